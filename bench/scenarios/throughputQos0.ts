/**
 * QoS 0 throughput with publisher and subscriber in one process: the rate at which messages reach
 * the subscriber, and how many never do (QoS 0 may be dropped by the broker or lost on close).
 */
import { loadClient } from '../clients/types.js';
import { flushed, now, pump, type Scenario, sleep, uniqueTopic } from './support.js';

export interface ThroughputQos0Params {
  /** Messages published. */
  readonly messages: number;
  /** The subscriber gives up this long after the last message it received. */
  readonly idleMs: number;
}

export const run: Scenario<ThroughputQos0Params> = async (kind, params, port) => {
  const create = await loadClient(kind);
  const topic = uniqueTopic('qos0');
  const subscriber = create({ port });
  const publisher = create({ port });
  await Promise.all([subscriber.ready, publisher.ready]);

  let received = 0;
  let lastAt = 0;
  subscriber.onMessage(() => {
    received++;
    lastAt = now();
  });
  await subscriber.subscribe(topic, 0);

  const start = now();
  await pump(publisher, topic, params.messages);
  await flushed(publisher);
  // Wait for the tail: all of it, or silence (the rest was lost).
  for (;;) {
    const before = received;
    if (before === params.messages) break;
    await sleep(params.idleMs);
    if (received === before) break;
  }
  if (received === 0) throw new Error('the subscriber received nothing');
  await Promise.all([publisher.end(), subscriber.end()]);
  return {
    msgsPerSec: (received / (lastAt - start)) * 1000,
    lost: params.messages - received,
  };
};
