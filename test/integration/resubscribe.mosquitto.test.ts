/**
 * Batched SUBSCRIBEs against mosquitto (spec R163-R165): 2,500 filters subscribed as one list go
 * in SUBSCRIBEs of 1,000, 1,000 and 500, each filter with its own outcome; after a broker restart
 * the re-subscription goes the same way and the last filter receives again.
 */
import { describe, expect, it } from 'vitest';
import type { SubscribeResult } from '../../protocol/session.js';
import { haveMosquitto } from '../support/brokers.js';
import { waitForClientEvent, waitForCount } from '../support/clientEvents.js';
import { connect, server, useResources } from '../support/integration.js';

const { mosquitto, tap, makeClient } = useResources();
const N = 2500;
const filters = Array.from({ length: N }, (_, i) => `dev/${i}/cmd`);

describe.runIf(haveMosquitto)('batched SUBSCRIBEs on mosquitto (R163-R165)', () => {
  it('R163, R164: a 2,500-filter list and its re-subscription after a restart go in batches of 1,000', async () => {
    const broker = await mosquitto();
    const wire = await tap(broker.port);
    const client = makeClient({ servers: [server(wire.port)] });
    const got: string[] = [];
    client.onMessage((m) => got.push(m.topic));
    const subacks: (number | null)[] = [];
    client.onEvent((e) => {
      if (e.type === 'suback') subacks.push(e.granted);
    });
    const results = new Promise<SubscribeResult[]>((resolve) =>
      client.session.subscribeMany(
        filters.map((filter) => ({ filter, qos: 1 as const })),
        resolve,
      ),
    );
    await connect(client);
    // R165: every filter has its own outcome, in list order.
    expect(await results).toEqual(filters.map(() => ({ granted: 1 })));
    const batches = (connection: number) =>
      wire.packets
        .filter((p) => p.connection === connection && p.packet.cmd === 'subscribe')
        .map((p) => (p.packet.cmd === 'subscribe' ? p.packet.subscriptions.length : 0));
    expect(batches(0)).toEqual([1000, 1000, 500]);

    await broker.kill();
    const back = waitForClientEvent(client, 'connected', () => true, { timeoutMs: 10_000 });
    await broker.restart();
    await back;
    await wire.until(
      (packets) => packets.filter((p) => p.connection > 0 && p.packet.cmd === 'subscribe').length === 3,
      'the three re-subscription SUBSCRIBEs',
      10_000,
    );
    const last = wire.packets.at(-1)?.connection ?? 0;
    expect(batches(last)).toEqual([1000, 1000, 500]);

    const pub = makeClient({ servers: [server(broker.port)] });
    await connect(pub);
    // Every filter's SUBACK outcome, twice over: the first subscription and the re-subscription.
    await waitForCount(client, () => subacks, 2 * N, 10_000);
    expect(subacks.every((g) => g === 1)).toBe(true);
    await pub.publish(`dev/${N - 1}/cmd`, 'on', { qos: 1 });
    await waitForCount(client, () => got, 1, 10_000);
    expect(got).toEqual([`dev/${N - 1}/cmd`]);
  });
});
