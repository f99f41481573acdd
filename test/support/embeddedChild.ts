/**
 * An app's script, run as a child process by test/integration/embeddedLifetime.test.ts: an app
 * machine that invokes `mqttClientLogic` (spec R176), in a plain Node process.
 *
 *   node --import tsx test/support/embeddedChild.ts <mode> <port>
 *
 * It prints one line per step (`connected`, `acked`, `settled <error name>`, `stopped`). The exit
 * code starts as 3 and becomes 0 once the app actor is stopped, so a process that ends early is
 * told apart; the script never calls `process.exit`: only an empty event loop ends it.
 *
 * Modes:
 * - `publish-stop`: publishes QoS 1 by command, waits for its answer, stops the app.
 * - `queued-stop`: publishes QoS 1 on the client handle (the broker never acknowledges it),
 *   stops the app; the publish settles with `ClientClosedError`.
 */
import { type AnyEventObject, createActor, setup } from 'xstate';
import { type MqttActorSnapshot, mqttClientLogic } from '../../index.js';

const [mode = '', portText = ''] = process.argv.slice(2);
process.exitCode = 3;
const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

const app = setup({ actors: { mqtt: mqttClientLogic } }).createMachine({
  invoke: {
    id: 'mqtt',
    src: 'mqtt',
    input: { servers: [{ host: '127.0.0.1', port: Number(portText), minDelayMs: 50, maxDelayMs: 100 }] },
  },
  on: { '*': { actions: ({ event }: { event: AnyEventObject }) => heard(event) } },
});
const actor = createActor(app);
const mqtt = () => {
  const child = actor.getSnapshot().children.mqtt;
  if (child === undefined) throw new Error('no mqtt child');
  return child;
};

function stop(): void {
  actor.stop();
  say('stopped');
  process.exitCode = 0;
}

function heard(event: AnyEventObject): void {
  if (event.type === 'mqtt.connected') {
    say('connected');
    if (mode === 'publish-stop')
      mqtt().send({ type: 'mqtt.publish', topic: 'lifetime/x', payload: 'one', qos: 1 });
    else {
      const { client } = mqtt().getSnapshot() as MqttActorSnapshot;
      client.publish('lifetime/x', 'held', { qos: 1 }).catch((error: Error) => say(`settled ${error.name}`));
      // Stop once the PUBLISH is on its way: in flight, never acknowledged.
      setImmediate(stop);
    }
  }
  if (event.type === 'mqtt.publish.done') {
    say('acked');
    stop();
  }
}
actor.start();
