/**
 * mqtt-lifeline behind the bench interface: `MqttClient` with `publishNow` (no promise per
 * message) and the session's subscribe callback, i.e. the cheapest public paths.
 */

import { MqttClient } from '../../adapters/node.js';
import type { LifecycleEvent } from '../../machines/events.js';
import { type BenchClient, type CreateClient, HOST } from './types.js';

/** Creates an mqtt-lifeline client and starts connecting. */
export const createClient: CreateClient = (options) => {
  const fixedRetry =
    options.retryMs === undefined ? {} : { minDelayMs: options.retryMs, maxDelayMs: options.retryMs };
  const client = new MqttClient({
    servers: [{ host: HOST, port: options.port, ...fixedRetry }],
    keepAliveSec: 60,
    ...(options.protocolVersion === undefined ? {} : { protocolVersion: options.protocolVersion }),
    // A fixed retry interval means no jitter, so both libraries retry on the same schedule.
    ...(options.retryMs === undefined ? {} : { jitter: 0 }),
    session: {
      ...(options.maxInflight === undefined
        ? {}
        : // The queue limit counts in-flight messages too, so it must not be what caps the window.
          { maxInflight: options.maxInflight, maxQueueLength: Math.max(1000, 2 * options.maxInflight) }),
      ...(options.store === undefined ? {} : { store: options.store }),
    },
  });
  // Lifecycle events only: `onEvent` would also see every message, which the scenarios do not need.
  const lifecycleListeners = new Set<(event: LifecycleEvent) => void>();
  client.lifecycle.onLifecycle((event) => {
    for (const listener of lifecycleListeners) listener(event);
  });
  const nextEvent = (type: LifecycleEvent['type']): Promise<void> =>
    new Promise((resolve) => {
      const listener = (event: LifecycleEvent) => {
        if (event.type !== type) return;
        lifecycleListeners.delete(listener);
        resolve();
      };
      lifecycleListeners.add(listener);
    });
  const ready = nextEvent('connected');
  client.connect();

  const bench: BenchClient = {
    ready,
    publish(topic, payload, qos, done) {
      client.publishNow(topic, payload, qos, false, done);
    },
    subscribe(filter, qos) {
      return new Promise((resolve, reject) => {
        client.session.subscribe(filter, qos, (result) =>
          'error' in result ? reject(result.error) : resolve(),
        );
      });
    },
    subscribeMany(filters, qos) {
      return new Promise((resolve, reject) => {
        client.session.subscribeMany(
          filters.map((filter) => ({ filter, qos })),
          (results) => {
            const refused = results.find((r) => 'error' in r);
            if (refused !== undefined && 'error' in refused) reject(refused.error);
            else resolve();
          },
        );
      });
    },
    route(filters, qos, handler) {
      return new Promise((resolve, reject) => {
        const index = new Map(filters.map((filter, i) => [filter, i]));
        let granted = 0;
        const stop = client.onEvent((event) => {
          if (event.type !== 'suback' || !index.has(event.filter)) return;
          if (event.granted === null) reject(new Error(`subscription to ${event.filter} refused`));
          else if (++granted === index.size) {
            stop();
            resolve();
          }
        });
        filters.forEach((filter, i) => {
          client.addTopicObserver(filter, qos, { next: () => handler(i), error: reject });
        });
      });
    },
    onMessage(handler) {
      client.onMessage((message) => handler(message.topic, message.payload));
    },
    bufferedBytes: () => client.lifecycle.bufferedBytes,
    connected: () => client.isConnected(),
    nextDisconnect: () => nextEvent('disconnected'),
    end: () => client.disconnect(),
  };
  return bench;
};
