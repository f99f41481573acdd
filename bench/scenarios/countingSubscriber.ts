/**
 * A bare MQTT subscriber on a raw socket that only counts the PUBLISH packets of one topic: the
 * same tiny cost for both measured libraries, and the check that what a publisher was told is
 * delivered did reach a subscriber (a broker may acknowledge a QoS 2 PUBLISH it then discards:
 * mosquitto 2.0 with its default `max_inflight_messages 20`, beyond 20 awaiting PUBREL).
 */
import * as net from 'node:net';
import { generate, parser } from 'mqtt-packet';
import { HOST } from '../clients/types.js';
import { bareConnect, now, sleep, withTimeout } from './support.js';

/** A connected, subscribed counter. */
export interface CountingSubscriber {
  /** PUBLISH packets received so far. */
  received(): number;
  /**
   * Resolves with the count once it reaches `expected`, or once nothing more arrived for
   * `quietMs` (messages the broker dropped never come).
   */
  settle(expected: number, quietMs: number): Promise<number>;
  close(): void;
}

/** Connects to `port`, subscribes to `topic` at QoS 0 and resolves after the SUBACK. */
export function countingSubscriber(port: number, topic: string): Promise<CountingSubscriber> {
  let received = 0;
  let lastAt = now();
  const socket = net.connect({ host: HOST, port, noDelay: true });
  const parse = parser({ protocolVersion: 4 });
  const subscribed = new Promise<void>((resolve, reject) => {
    parse.on('packet', (packet) => {
      if (packet.cmd === 'publish') {
        received++;
        lastAt = now();
      } else if (packet.cmd === 'suback') resolve();
    });
    parse.on('error', reject);
    socket.once('error', reject);
  });
  socket.on('data', (chunk: Buffer) => parse.parse(chunk));
  socket.write(
    Buffer.concat([
      bareConnect(),
      generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 0 }] }),
    ]),
  );
  const counter: CountingSubscriber = {
    received: () => received,
    async settle(expected, quietMs) {
      while (received < expected && now() - lastAt < quietMs) await sleep(5);
      return received;
    },
    close: () => socket.destroy(),
  };
  return withTimeout(subscribed, 5_000, 'the counting subscriber was not subscribed').then(() => counter);
}
