/**
 * QoS 1 / QoS 2 publish throughput one message at a time: each publish is awaited (PUBACK /
 * PUBCOMP) before the next, the way `for (...) await client.publish(...)` runs.
 */
import type { QoS } from '../clients/types.js';
import { loadClient } from '../clients/types.js';
import { now, PAYLOAD, publishAndWait, type Scenario, uniqueTopic } from './support.js';

export interface ThroughputSequentialParams {
  readonly qos: Exclude<QoS, 0>;
  /** Timed messages. */
  readonly messages: number;
  /** Untimed messages first, so the JIT has compiled both paths. */
  readonly warmup: number;
}

export const run: Scenario<ThroughputSequentialParams> = async (kind, params, port) => {
  const create = await loadClient(kind);
  const topic = uniqueTopic(`seq${params.qos}`);
  const client = create({ port });
  await client.ready;

  for (let i = 0; i < params.warmup; i++) await publishAndWait(client, topic, PAYLOAD, params.qos);
  const start = now();
  for (let i = 0; i < params.messages; i++) await publishAndWait(client, topic, PAYLOAD, params.qos);
  const elapsed = now() - start;

  await client.end();
  return { msgsPerSec: (params.messages / elapsed) * 1000 };
};
