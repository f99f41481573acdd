/**
 * The demo page's app panel (spec R170-R179): the docs/ device machine with the client as its
 * child actor (`mqttClientLogic` of `mqtt-lifeline/browser/embedded`, spec R186), run in the
 * page. Both are lit from the app actor's own inspection stream: the device machine's states, and
 * its MQTT child's statechart value.
 *
 * @module
 */
import { createActor, type InspectionEvent } from 'xstate';
import { mqttClientLogic } from '../../../browserEmbedded.js';
import { createDeviceMachine } from '../../../docs/examples/deviceMachine.js';
import { describeValue } from '../stateNames.js';

/** The device machine's states, as `snapshot.matches` takes them. */
const APP_STATES = [
  'provisioning',
  'online',
  'online.connecting',
  'online.subscribing',
  'online.idle',
  'online.handling',
] as const;

/** What the panel exposes to the Chromium tests. */
export interface AppPanel {
  /** The device machine's states now lit. */
  lit(): string[];
  /** The MQTT child's last state value (undefined before it runs, null once stopped). */
  child(): unknown;
  /** Commands the device handled. */
  handled(): number;
}

/**
 * Starts the device and its panel.
 * @param get - Finds a page element by id.
 * @param brokerUrl - The WebSocket URL the device is provisioned with.
 * @param publishCommand - Sends the device a command (through the page's own client).
 */
export function startAppPanel(
  get: (id: string) => HTMLElement,
  brokerUrl: string,
  publishCommand: (topic: string, payload: string) => void,
): AppPanel {
  const list = get('app-states');
  const items = APP_STATES.map((state) => {
    const item = document.createElement('li');
    item.textContent = state;
    list.append(item);
    return item;
  });
  const childView = get('app-child');
  let lit: string[] = [];
  let child: unknown;
  const machine = createDeviceMachine('invoke', mqttClientLogic);
  const inspect = (event: InspectionEvent) => {
    if (event.type !== '@xstate.snapshot') return;
    const ref = event.actorRef as { id?: string; _parent?: { _parent?: unknown } };
    // The statechart is the device's grandchild: device -> mqtt -> connection.
    if (ref.id !== 'connection' || ref._parent?._parent !== device) return;
    const snapshot = event.snapshot as unknown as { status: string; value: unknown };
    child = snapshot.status === 'active' ? snapshot.value : null;
    childView.textContent = child === null ? 'stopped' : describeValue(child);
    childView.classList.toggle('active', child !== null);
  };
  const device = createActor(machine, { input: { deviceId: 'demo' }, inspect });
  device.subscribe((snapshot) => {
    lit = APP_STATES.filter((state, i) => {
      const on = snapshot.matches(state as never);
      items[i]?.classList.toggle('active', on);
      return on;
    });
    get('app-summary').textContent = `handled ${snapshot.context.handled} command(s)`;
  });
  device.start();
  const provision = () =>
    device.send({
      type: 'device.provisioned',
      servers: [{ name: 'aedes', url: brokerUrl, minDelayMs: 500, maxDelayMs: 4000 }],
    });
  get('app-provision').onclick = provision;
  get('app-reset').onclick = () => device.send({ type: 'device.reset' });
  get('app-command').onclick = () => publishCommand('devices/demo/commands', 'blink');
  provision();
  return { lit: () => lit, child: () => child, handled: () => device.getSnapshot().context.handled };
}
