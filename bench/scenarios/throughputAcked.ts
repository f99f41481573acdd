/**
 * QoS 1 / QoS 2 publish throughput with a fixed number of messages outstanding: the application
 * keeps that many publishes unacknowledged, publishing a new one as each completes (PUBACK /
 * PUBCOMP), until every one is acknowledged. How many of them are on the wire at once is the
 * library's business (mqtt-lifeline's `maxInflight` window; MQTT.js sends them all). A bare
 * subscriber counts what reached it: `lost` is what was acknowledged but never delivered.
 */
import type { ClientKind, ClientOptions, QoS } from '../clients/types.js';
import { loadClient } from '../clients/types.js';
import { countingSubscriber } from './countingSubscriber.js';
import { now, PAYLOAD, type Scenario, uniqueTopic, until } from './support.js';

export interface ThroughputAckedParams {
  readonly qos: Exclude<QoS, 0>;
  /** Messages published. */
  readonly messages: number;
  /** Publishes the application keeps awaiting their acknowledgement at any time. */
  readonly outstanding: number;
  /**
   * mqtt-lifeline's in-flight window (a tuned run or the sweep); MQTT.js has none.
   * @default each library's default
   */
  readonly maxInflight?: number;
  /**
   * The MQTT version both clients speak (issue 14's MQTT 5 rows).
   * @default 4
   */
  readonly protocolVersion?: 4 | 5;
  /**
   * Count publishes that end with an error (an MQTT 5 broker's refusal, such as PUBREC 0x97
   * Quota exceeded) as `refused` instead of failing the run.
   * @default false
   */
  readonly countRefused?: boolean;
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
  const subscriber = await countingSubscriber(options.port, topic);
  const client = create({
    ...options,
    ...(params.maxInflight === undefined ? {} : { maxInflight: params.maxInflight }),
    ...(params.protocolVersion === undefined ? {} : { protocolVersion: params.protocolVersion }),
  });
  await client.ready;

  let sent = 0;
  let completed = 0;
  let failed: Error | undefined;
  let refused = 0;
  let endAt = 0;
  const sendOne = (): void => {
    sent++;
    client.publish(topic, PAYLOAD, params.qos, onDone);
  };
  // Refilling from the completion callback keeps `outstanding` publishes open without a timer in between.
  function onDone(error?: Error): void {
    if (error !== undefined && params.countRefused === true) refused++;
    else failed ??= error;
    completed++;
    if (sent < params.messages) sendOne();
    else if (completed === params.messages) endAt = now();
  }

  const start = now();
  for (let i = 0; i < Math.min(params.outstanding, params.messages); i++) sendOne();
  await until(() => endAt > 0 || failed !== undefined, 120_000, 'every acknowledgement');
  if (failed !== undefined) throw failed;

  await client.end();
  // Every message was acknowledged; count those the broker really passed on.
  const delivered = await subscriber.settle(params.messages - refused, 1_000);
  subscriber.close();
  const seconds = (endAt - start) / 1000;
  return {
    msgsPerSec: params.messages / seconds,
    deliveredPerSec: delivered / seconds,
    // What the broker refused was never acknowledged, so it is not counted lost.
    lost: params.messages - refused - delivered,
    refused,
  };
}
