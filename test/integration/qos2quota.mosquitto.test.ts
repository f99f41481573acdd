/**
 * R160 and R227 against a stock mosquitto (its default configuration): QoS 1 and QoS 2 published
 * together all reach a subscriber. mosquitto 2.0 counts a 3.1.1 client's QoS 2 messages awaiting
 * PUBREL against one receive quota (`max_inflight_messages`, 20) and answers a PUBLISH of either
 * QoS that finds it used up with a plain PUBACK / PUBREC and discards it (its log says `rc151`,
 * quota exceeded). With a QoS 1 window that ignored the QoS 2 one, every QoS 1 message written
 * while 20 QoS 2 awaited PUBREL was lost: the soak's loss after each outage, when the backlog
 * goes out at once.
 */
import { describe, expect, it } from 'vitest';
import type { MqttClient } from '../../adapters/node.js';
import { haveMosquitto } from '../support/brokers.js';
import { waitForClientEvent, waitForCount } from '../support/clientEvents.js';
import { connect, server, useResources } from '../support/integration.js';

const { mosquitto, makeClient } = useResources();
const N = 150;

/** Publishes `N` messages of each QoS, alternating, at once; resolves when all completed. */
async function burst(pub: MqttClient, topic: string): Promise<void> {
  const done: Promise<void>[] = [];
  for (let i = 0; i < N; i++)
    for (const qos of [1, 2] as const) done.push(pub.publish(topic, `q${qos}.${i}`, { qos }));
  await Promise.all(done);
}

describe.runIf(haveMosquitto)('QoS 1 and 2 together on a stock mosquitto (R160, R227)', () => {
  it('R160, R227: 150 QoS 1 and 150 QoS 2 publishes made at once, and the same as a backlog sent on connecting, all reach a subscriber, each once', async () => {
    const broker = await mosquitto();
    const sub = makeClient({ servers: [server(broker.port)] });
    const got: string[] = [];
    sub.onMessage((m) => got.push(`${m.topic} ${Buffer.from(m.payload).toString()}`));
    const subscribed = waitForClientEvent(sub, 'suback');
    sub.subscribe('quota/+', { qos: 2 }).subscribe();
    await connect(sub);
    await subscribed;

    const pub = makeClient({ servers: [server(broker.port)] });
    await connect(pub);
    const first = waitForCount(sub, () => got, 2 * N, 10_000);
    await burst(pub, 'quota/live');
    await first;

    // The soak's case: the messages wait offline and go out on the next connection.
    const late = makeClient({ servers: [server(broker.port)] });
    const backlog = burst(late, 'quota/backlog');
    const second = waitForCount(sub, () => got, 4 * N, 10_000);
    await connect(late);
    await backlog;
    await second;

    const expected = ['live', 'backlog'].flatMap((t) =>
      Array.from({ length: N }, (_, i) => [`quota/${t} q1.${i}`, `quota/${t} q2.${i}`]).flat(),
    );
    expect([...got].sort()).toEqual(expected.sort());
  });
});
