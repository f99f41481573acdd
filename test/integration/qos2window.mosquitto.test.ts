/**
 * R61 against a stock mosquitto (its default configuration): a burst of QoS 2 publishes with the
 * default options all reach a subscriber. mosquitto 2.0 acknowledges but discards a QoS 2 PUBLISH
 * when 20 from the same client already await PUBREL, so with the old default window (64) only 100
 * of the 300 arrive.
 */
import { describe, expect, it } from 'vitest';
import { haveMosquitto } from '../support/brokers.js';
import { waitForClientEvent, waitForCount } from '../support/clientEvents.js';
import { connect, server, useResources } from '../support/integration.js';

const { mosquitto, makeClient } = useResources();

describe.runIf(haveMosquitto)('QoS 2 burst with default options on a stock mosquitto (R61)', () => {
  it('300 QoS 2 publishes made at once all complete and all reach a subscriber, each once', async () => {
    const broker = await mosquitto();
    const sub = makeClient({ servers: [server(broker.port)] });
    const got: string[] = [];
    sub.onMessage((m) => got.push(Buffer.from(m.payload).toString()));
    const subscribed = waitForClientEvent(sub, 'suback');
    sub.subscribe('burst/q2', { qos: 1 }).subscribe();
    await connect(sub);
    await subscribed;

    const pub = makeClient({ servers: [server(broker.port)] });
    await connect(pub);
    const all = waitForCount(sub, () => got, 300, 10_000);
    await Promise.all(Array.from({ length: 300 }, (_, i) => pub.publish('burst/q2', `m${i}`, { qos: 2 })));
    await all;
    expect(new Set(got).size).toBe(300);
    expect(got).toHaveLength(300);
  });
});
