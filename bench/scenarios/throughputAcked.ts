/**
 * QoS 1 / QoS 2 publish throughput with a fixed number of messages in flight: a new message is
 * published as each one completes (PUBACK / PUBCOMP), until every one is acknowledged.
 */
import type { ClientKind, ClientOptions, QoS } from '../clients/types.js';
import { loadClient } from '../clients/types.js';
import { now, PAYLOAD, type Scenario, uniqueTopic, until } from './support.js';

export interface ThroughputAckedParams {
  readonly qos: Exclude<QoS, 0>;
  /** Messages published. */
  readonly messages: number;
  /** Messages awaiting their acknowledgement at any time. */
  readonly inflight: number;
}

export const run: Scenario<ThroughputAckedParams> = (kind, params, port) =>
  measureAcked(kind, params, { port });

/** The measurement, with extra client options (the store scenarios give mqtt-lifeline a store). */
export async function measureAcked(
  kind: ClientKind,
  params: ThroughputAckedParams,
  options: ClientOptions,
): Promise<Record<string, number>> {
  const create = await loadClient(kind);
  const topic = uniqueTopic(`qos${params.qos}`);
  const client = create({ ...options, maxInflight: params.inflight });
  await client.ready;

  let sent = 0;
  let completed = 0;
  let failed: Error | undefined;
  let endAt = 0;
  const sendOne = (): void => {
    sent++;
    client.publish(topic, PAYLOAD, params.qos, onDone);
  };
  // Refilling the window from the completion callback keeps it full without a timer in between.
  function onDone(error?: Error): void {
    failed ??= error;
    completed++;
    if (sent < params.messages) sendOne();
    else if (completed === params.messages) endAt = now();
  }

  const start = now();
  for (let i = 0; i < Math.min(params.inflight, params.messages); i++) sendOne();
  await until(() => endAt > 0 || failed !== undefined, 120_000, 'every acknowledgement');
  if (failed !== undefined) throw failed;

  await client.end();
  return { msgsPerSec: (params.messages / (endAt - start)) * 1000 };
}
