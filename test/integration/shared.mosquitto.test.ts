/**
 * Shared subscriptions on a stock mosquitto (spec R130-R132), which honours `$share/<group>/...`
 * for MQTT 3.1.1 clients: the broker spreads the messages over the group, and each reaches the
 * subscription's Observable of the one sharer it was given to.
 */
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { haveMosquitto } from '../support/brokers.js';
import { waitForCount } from '../support/clientEvents.js';
import { connect, server, useResources } from '../support/integration.js';

const { mosquitto, makeClient } = useResources();
const N = 40;

describe.runIf(haveMosquitto)('shared subscriptions on mosquitto (R132)', () => {
  it('R132: two sharers, one publisher: every message reaches exactly one sharer, through its Observable', async () => {
    const broker = await mosquitto();
    /** A sharer: what its shared subscription's Observable and its onMessage saw. */
    const sharer = async () => {
      const client = makeClient({ servers: [server(broker.port)] });
      const seen: string[] = [];
      const heard: string[] = [];
      client.onMessage((m) => {
        if (m.topic === 'job/x') heard.push(Buffer.from(m.payload).toString());
      });
      const granted: (number | null)[] = [];
      client.onEvent((e) => {
        if (e.type === 'suback') granted.push(e.granted);
      });
      const subscribed = waitForCount(client, () => granted, 2);
      client.subscribe('$share/g/job/#', { qos: 1 }).subscribe((m) => {
        expect(m.topic).toBe('job/x');
        seen.push(Buffer.from(m.payload).toString());
      });
      // An ordinary subscription to the end marker: the broker keeps one publisher's order per
      // subscriber, so once it arrives, every job given to this sharer has arrived.
      const done = firstValueFrom(client.subscribe('done', { qos: 1 }));
      await connect(client);
      await subscribed;
      expect(granted).toEqual([1, 1]);
      return { client, seen, heard, done };
    };
    const a = await sharer();
    const b = await sharer();

    const pub = makeClient({ servers: [server(broker.port)] });
    await connect(pub);
    for (let i = 0; i < N; i++) await pub.publish('job/x', `m${i}`, { qos: 1 });
    await pub.publish('done', 'end', { qos: 1 });
    await Promise.all([a.done, b.done]);

    const all = [...a.seen, ...b.seen];
    expect(all).toHaveLength(N);
    expect(new Set(all)).toEqual(new Set(Array.from({ length: N }, (_, i) => `m${i}`)));
    // Both sharers took part, and each Observable saw exactly what its client received.
    expect(a.seen.length).toBeGreaterThan(0);
    expect(b.seen.length).toBeGreaterThan(0);
    expect(a.seen).toEqual(a.heard);
    expect(b.seen).toEqual(b.heard);
  });
});
