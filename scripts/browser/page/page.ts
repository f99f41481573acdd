/**
 * The browser demo page (`npm run demo:browser`): an MqttClient over the page's WebSocket, its
 * statechart drawn from the machine and lit from the client's XState inspection stream, the event
 * log, broker and connection controls, and the journal, downloadable and replayable in the page.
 * `window.demo` exposes the same things to the Chromium tests.
 *
 * @module
 */
import type { InspectionEvent } from 'xstate';
import {
  type ClientEvent,
  type Journal,
  MqttClient,
  type QoS,
  stepInspection,
  toJsonLines,
} from '../../../browser.js';
import { fromJsonLines, type ReplayStep, replay } from '../../../machines/journal.js';
import type { DemoConfig } from '../demoServer.js';
import { describeValue } from '../stateNames.js';
import { startAppPanel } from './appPanel.js';
import { DiagramView } from './diagramView.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`#${id} is missing from the page`);
  return element as T;
};

/** What the page shows in the log, newest first, kept short. */
class EventLog {
  static readonly LIMIT = 300;
  readonly #started = performance.now();
  constructor(readonly list: HTMLElement) {}

  add(kind: 'input' | 'lifecycle' | 'message' | 'control', text: string): void {
    const item = document.createElement('li');
    const time = document.createElement('span');
    time.className = 't';
    time.textContent = `+${((performance.now() - this.#started) / 1000).toFixed(3)}s`;
    const body = document.createElement('span');
    body.className = kind;
    body.textContent = text;
    item.append(time, body);
    this.list.prepend(item);
    while (this.list.childElementCount > EventLog.LIMIT) this.list.lastElementChild?.remove();
  }
}

/** A machine input in a few words. */
function describeInput(event: { type: string } & Record<string, unknown>): string {
  const error = event.error as { code?: string; reason?: string; message?: string } | undefined;
  if (error !== undefined)
    return `${event.type}  ${error.reason ?? error.code ?? ''}: ${error.message ?? ''}`;
  if (event.type === 'random.drawn') return `random.drawn  ${Number(event.value).toFixed(3)}`;
  if (event.type === 'mqtt.connack') return `mqtt.connack  rc=${String(event.returnCode)}`;
  return event.type.replace(/^xstate\.after\.(\w+)\..*$/, 'timer: $1');
}

function describeClientEvent(event: ClientEvent): [kind: 'lifecycle' | 'message', text: string] | null {
  switch (event.type) {
    case 'message':
      return [
        'message',
        `message ${event.topic} qos${event.qos}: ${new TextDecoder().decode(event.payload)}`,
      ];
    case 'connecting':
      return ['lifecycle', `connecting to ${event.server} (attempt ${event.attempt})`];
    case 'connect.error':
      return ['lifecycle', `connect error: ${event.error.reason ?? event.error.code} ${event.error.message}`];
    case 'backoff':
      return ['lifecycle', `retry in ${(event.delayMs / 1000).toFixed(2)} s`];
    case 'connected':
      return ['lifecycle', `CONNECTED to ${event.server}`];
    case 'disconnected':
      return ['lifecycle', `disconnected: ${event.error?.reason ?? event.error?.code ?? 'by the user'}`];
    case 'puback':
    case 'pubrec':
    case 'pubcomp':
      return ['message', `${event.type} #${event.packetId}`];
    case 'suback':
      return ['lifecycle', `subscribed ${event.filter} (granted QoS ${String(event.granted)})`];
    default:
      return null;
  }
}

async function main(): Promise<void> {
  const config = (await (await fetch('/config.json')).json()) as DemoConfig;
  const svg = await (await fetch('/statechart.svg')).text();
  const container = $('diagram');
  container.innerHTML = svg.slice(svg.indexOf('<svg'));
  const diagram = new DiagramView(container);
  const log = new EventLog($('log'));
  $('broker-url').textContent = `Broker: aedes at ${config.brokerUrl}`;

  /** Every state value the inspection stream reported, the initial one first. */
  const seen: unknown[] = [];
  let replaySteps: ReplayStep[] | null = null;
  let lit: string[] = [];
  const render = (value: unknown, label: string) => {
    lit = diagram.show(value);
    const pill = $('state');
    pill.textContent = label;
    pill.dataset.state = label;
    $('value').textContent = describeValue(value);
  };
  const coarse = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const v = value as Record<string, Record<string, unknown>>;
    if ('backoff' in v) return 'backoff';
    return v.online !== undefined && 'connected' in v.online ? 'connected' : 'connecting';
  };

  const inspect = (event: InspectionEvent) => {
    if (event.type === '@xstate.snapshot') {
      const value = (event.snapshot as unknown as { value: unknown }).value;
      seen.push(value);
      if (replaySteps === null) render(value, coarse(value));
    } else if (event.type === '@xstate.event' && event.event.type !== 'xstate.init') {
      log.add('input', describeInput(event.event));
    }
  };

  const client = new MqttClient({
    servers: [
      {
        name: 'aedes',
        url: config.brokerUrl,
        minDelayMs: 500,
        maxDelayMs: 4000,
      },
    ],
    keepAliveSec: 10,
    journal: true,
    inspect,
    // The browser entry leaves the step driver's inspection out unless passed (spec R367).
    inspection: stepInspection,
  });
  client.onEvent((event) => {
    const line = describeClientEvent(event);
    if (line !== null) log.add(...line);
  });
  const received: { topic: string; qos: QoS; payload: string }[] = [];
  client.subscribe('demo/#', { qos: 2 }).subscribe((message) => {
    received.push({
      topic: message.topic,
      qos: message.qos,
      payload: new TextDecoder().decode(message.payload),
    });
  });

  const brokerPill = $('broker');
  const broker = async (action: 'kill' | 'start') => {
    log.add('control', action === 'kill' ? 'killing the broker' : 'restarting the broker');
    const response = await fetch(`/broker/${action}`, { method: 'POST' });
    const { running } = (await response.json()) as { running: boolean };
    brokerPill.dataset.broker = running ? 'up' : 'down';
    brokerPill.textContent = running ? 'broker up' : 'broker down';
  };
  $('kill').onclick = () => void broker('kill');
  $('restart').onclick = () => void broker('start');
  $('connect').onclick = () => client.connect();
  $('disconnect').onclick = () => void client.disconnect();
  let sent = 0;
  for (const qos of [0, 1, 2] as const) {
    $(`pub${qos}`).onclick = () => {
      sent += 1;
      const payload = `hello #${sent} at QoS ${qos}`;
      client.publish(`demo/qos${qos}`, payload, { qos }).then(
        () => log.add('message', `published ${payload}${qos > 0 ? ' (acknowledged)' : ''}`),
        (error: Error) => log.add('control', `publish failed: ${error.message}`),
      );
    };
  }

  const journalText = () => toJsonLines(client.lifecycle.journal());
  $('download').onclick = () => {
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([journalText()], { type: 'application/x-ndjson' }));
    link.download = 'mqtt-lifeline.journal.jsonl';
    link.click();
    URL.revokeObjectURL(link.href);
  };

  const scrub = $<HTMLInputElement>('scrub');
  const stepsList = $('replay-steps');
  const showStep = (index: number) => {
    const step = replaySteps?.[index];
    if (step === undefined) return;
    render(step.value, `replay ${step.seq}/${replaySteps?.length ?? 0}`);
    for (const [i, item] of [...stepsList.children].entries()) item.classList.toggle('current', i === index);
  };
  const startReplay = (journal: Journal, source: string) => {
    replaySteps = replay(journal);
    container.classList.add('replaying');
    $('state').classList.add('replay');
    stepsList.replaceChildren(
      ...replaySteps.map((step, i) => {
        const item = document.createElement('li');
        const entry = journal.entries[i];
        item.textContent = `${step.seq}. ${entry ? describeInput(entry.event as never) : ''} → ${describeValue(step.value)}`;
        item.onclick = () => {
          scrub.value = String(i);
          showStep(i);
        };
        return item;
      }),
    );
    $('replay-summary').textContent =
      `${source}: ${replaySteps.length} inputs replayed with no broker; scrub to walk the states.`;
    scrub.disabled = false;
    scrub.max = String(Math.max(0, replaySteps.length - 1));
    scrub.value = scrub.max;
    showStep(replaySteps.length - 1);
  };
  scrub.oninput = () => showStep(Number(scrub.value));
  $('replay').onclick = () => startReplay(client.lifecycle.journal(), 'This page’s journal');
  $<HTMLInputElement>('file').onchange = async (event) => {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (file === undefined) return;
    try {
      startReplay(fromJsonLines(await file.text()), file.name);
    } catch (error) {
      $('replay-summary').textContent = `${file.name}: ${(error as Error).message}`;
    }
  };
  $('live').onclick = () => {
    replaySteps = null;
    container.classList.remove('replaying');
    $('state').classList.remove('replay');
    const value = client.lifecycle.getSnapshot().value;
    render(value, coarse(value));
  };

  const app = startAppPanel($, config.brokerUrl, (topic, payload) => {
    client.publish(topic, payload, { qos: 1 }).then(
      () => log.add('control', `sent the device ${payload}`),
      (error: Error) => log.add('control', `command failed: ${error.message}`),
    );
  });

  Object.assign(window, {
    demo: {
      app,
      client,
      seen,
      received,
      journalText,
      replayed: () => replaySteps?.map((step) => step.value) ?? null,
      lit: () => lit,
      states: () => diagram.size,
    },
  });
  client.connect();
}

main().catch((error: unknown) => {
  document.body.prepend(`The demo failed to start: ${String(error)}`);
  console.error(error);
});
