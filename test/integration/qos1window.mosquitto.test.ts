/**
 * R160 against a stock mosquitto (its default configuration): with the default options, 1,000
 * QoS 1 publishes made at once all go on the wire at once (the QoS 1 window is not capped at
 * QoS 2's 20), and all reach a subscriber, each once.
 */
import { describe, expect, it } from 'vitest';
import { haveMosquitto } from '../support/brokers.js';
import { waitForClientEvent, waitForCount } from '../support/clientEvents.js';
import { connect, server, useResources } from '../support/integration.js';

const { mosquitto, makeClient } = useResources();
const N = 1000;

describe.runIf(haveMosquitto)('QoS 1 burst with default options on a stock mosquitto (R160)', () => {
  it('R160: 1,000 QoS 1 publishes made at once are all in flight together and all reach a subscriber', async () => {
    const broker = await mosquitto();
    const sub = makeClient({ servers: [server(broker.port)] });
    const got: string[] = [];
    sub.onMessage((m) => got.push(Buffer.from(m.payload).toString()));
    const subscribed = waitForClientEvent(sub, 'suback');
    sub.subscribe('burst/q1', { qos: 1 }).subscribe();
    await connect(sub);
    await subscribed;

    const pub = makeClient({ servers: [server(broker.port)] });
    await connect(pub);
    const all = waitForCount(sub, () => got, N, 10_000);
    const acked: Promise<void>[] = [];
    const dispositions = new Set<string>();
    for (let i = 0; i < N; i++) {
      acked.push(
        new Promise((resolve, reject) => {
          const r = pub.publishNow('burst/q1', `m${i}`, 1, false, (e) =>
            e === undefined ? resolve() : reject(e),
          );
          dispositions.add(r.disposition);
        }),
      );
    }
    // Every one went on the wire at once: none waited in the queue for a window slot.
    expect([...dispositions]).toEqual(['sent']);
    expect(pub.session.windowCount).toBe(N);
    await Promise.all(acked);
    await all;
    expect(new Set(got).size).toBe(N);
    expect(got).toHaveLength(N);
    expect(pub.session.windowCount).toBe(0);
  });
});
