/**
 * mqtt-lifeline embedded in an app's XState machine (`mqttClientLogic`, spec R170-R179) behind
 * the bench interface, for the embedded-publish-cpu row. The app machine invokes the client and
 * hears its events; publishes go as `mqtt.publish` commands to the child actor, each answered to
 * the app (`answered`) or quiet (`quiet`), or straight to the client it hands out (`handle`).
 */
import { type AnyEventObject, createActor, setup } from 'xstate';
import { MqttClient, mqttClientLogic } from '../../adapters/node.js';
import type { MqttActorSnapshot } from '../../runtime/embedded.js';
import { type BenchClient, type ClientOptions, HOST } from './types.js';

/** How publishes reach the embedded client: commands answered or quiet, or the client handle. */
export type PublishPath = 'answered' | 'quiet' | 'handle';

/** The options both clients get: the same, so the comparison is of the paths alone. */
const optionsOf = (options: ClientOptions) => ({
  servers: [{ host: HOST, port: options.port }],
  keepAliveSec: 60,
});

/** The baseline: a plain `MqttClient` with the same options, publishing with `publishNow`. */
export function createPlainClient(options: ClientOptions): BenchClient {
  const client = new MqttClient(optionsOf(options));
  const ready = client.connect();
  return {
    ready,
    publish: (topic, payload, qos, done) => {
      client.publishNow(topic, payload, qos, false, done);
    },
    subscribe: () => Promise.reject(new Error('not used by the embedded row')),
    subscribeMany: () => Promise.reject(new Error('not used by the embedded row')),
    onMessage: () => {},
    bufferedBytes: () => client.lifecycle.bufferedBytes,
    connected: () => client.isConnected(),
    nextDisconnect: () => Promise.reject(new Error('not used by the embedded row')),
    end: () => client.disconnect(),
  };
}

/** Creates an app actor that invokes the embedded client, which starts connecting. */
export function createEmbeddedClient(options: ClientOptions, path: PublishPath): BenchClient {
  let connected!: () => void;
  const ready = new Promise<void>((resolve) => {
    connected = resolve;
  });
  // A parent that reacts to `mqtt.connected` and ignores the rest (each answer still reaches it).
  const app = setup({ actors: { mqtt: mqttClientLogic } }).createMachine({
    invoke: {
      id: 'mqtt',
      src: 'mqtt',
      input: optionsOf(options),
    },
    on: { 'mqtt.connected': { actions: () => connected() } },
  });
  const actor = createActor(app).start();
  const child = actor.getSnapshot().children.mqtt as unknown as {
    send(event: AnyEventObject): void;
    getSnapshot(): MqttActorSnapshot;
  };
  const { client } = child.getSnapshot();
  return {
    ready,
    publish:
      path === 'handle'
        ? (topic, payload, qos, done) => {
            client.publishNow(topic, payload, qos, false, done);
          }
        : (topic, payload, qos) =>
            child.send({ type: 'mqtt.publish', topic, payload, qos, quiet: path === 'quiet' }),
    subscribe: () => Promise.reject(new Error('not used by the embedded row')),
    subscribeMany: () => Promise.reject(new Error('not used by the embedded row')),
    onMessage: () => {},
    bufferedBytes: () => client.lifecycle.bufferedBytes,
    connected: () => client.isConnected(),
    nextDisconnect: () => Promise.reject(new Error('not used by the embedded row')),
    end: () => {
      actor.stop();
      return client.lifecycle.connection.whenClosed();
    },
  };
}
