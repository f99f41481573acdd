/**
 * Round-trip latency: a publisher and a subscriber of the same library in one process; one
 * message at a time, timed from publish() to its arrival at the subscriber. The next goes out
 * once it arrived (and, for QoS 1, once its PUBACK did), so nothing queues.
 *
 * Two connections, not one client subscribed to itself: on a single connection MQTT.js (Nagle's
 * algorithm on by default) holds each PUBLISH behind its own unacknowledged PUBACK until the
 * broker's delayed ACK, about 40 ms; that would time the kernel's timer rather than the client.
 */
import type { QoS } from '../clients/types.js';
import { loadClient } from '../clients/types.js';
import { now, PAYLOAD, percentile, type Scenario, uniqueTopic } from './support.js';

export interface LatencyParams {
  readonly qos: Exclude<QoS, 2>;
  /** Timed round trips. */
  readonly messages: number;
  /** Untimed round trips first, so the JIT has compiled both paths. */
  readonly warmup: number;
}

export const run: Scenario<LatencyParams> = async (kind, params, port) => {
  const create = await loadClient(kind);
  const topic = uniqueTopic(`latency${params.qos}`);
  const publisher = create({ port });
  const subscriber = create({ port });
  await Promise.all([publisher.ready, subscriber.ready]);

  let onArrival: (() => void) | undefined;
  subscriber.onMessage(() => onArrival?.());
  await subscriber.subscribe(topic, params.qos);

  const samples = new Float64Array(params.messages);
  for (let i = -params.warmup; i < params.messages; i++) {
    const start = now();
    let rtt = 0;
    await new Promise<void>((resolve, reject) => {
      let pending = params.qos === 0 ? 1 : 2;
      const step = () => {
        if (--pending === 0) resolve();
      };
      onArrival = () => {
        onArrival = undefined;
        rtt = now() - start;
        step();
      };
      publisher.publish(topic, PAYLOAD, params.qos, (error) => {
        if (error !== undefined) reject(error);
        else if (params.qos !== 0) step();
      });
    });
    if (i >= 0) samples[i] = rtt;
  }

  await Promise.all([publisher.end(), subscriber.end()]);
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50Us: percentile(sorted, 50) * 1000, p99Us: percentile(sorted, 99) * 1000 };
};
