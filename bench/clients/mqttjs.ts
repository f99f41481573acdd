/**
 * MQTT.js (the comparison target) behind the bench interface: MQTT 3.1.1 (or 5 when a scenario
 * asks) and its defaults, except `reconnectPeriod` when a scenario fixes the retry interval.
 */
import { connect } from 'mqtt';
import { type BenchClient, type CreateClient, HOST } from './types.js';

/** Creates an MQTT.js client and starts connecting. */
export const createClient: CreateClient = (options) => {
  const client = connect(`mqtt://${HOST}:${options.port}`, {
    protocolVersion: options.protocolVersion ?? 4,
    ...(options.retryMs === undefined ? {} : { reconnectPeriod: options.retryMs }),
  });
  const ready = new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  // An 'error' event without a listener would throw; failures surface as timeouts in the scenario.
  client.on('error', () => {});

  const bench: BenchClient = {
    ready,
    publish(topic, payload, qos, done) {
      client.publish(
        topic,
        payload,
        { qos },
        done === undefined
          ? undefined
          : // MQTT.js passes `null` on success, despite its types.
            (error) => done(error ?? undefined),
      );
    },
    subscribe(filter, qos) {
      return new Promise((resolve, reject) => {
        client.subscribe(filter, { qos }, (error, granted) => {
          if (error) reject(error);
          else if (granted?.some((g) => g.qos === 128))
            reject(new Error(`subscription to ${filter} refused`));
          else resolve();
        });
      });
    },
    subscribeMany(filters, qos) {
      return new Promise((resolve, reject) => {
        client.subscribe([...filters], { qos }, (error, granted) => {
          if (error) reject(error);
          else if (granted?.some((g) => g.qos === 128)) reject(new Error('a subscription was refused'));
          else resolve();
        });
      });
    },
    onMessage(handler) {
      client.on('message', (topic, payload) => handler(topic, payload));
    },
    bufferedBytes: () => client.stream?.writableLength ?? 0,
    connected: () => client.connected,
    nextDisconnect: () => new Promise((resolve) => client.once('close', () => resolve())),
    end: () => new Promise((resolve) => client.end(false, {}, () => resolve())),
  };
  return bench;
};
