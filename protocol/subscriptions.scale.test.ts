/**
 * Subscriptions at scale (spec R332-R333): a registered filter holds no object of its own, the
 * re-subscription writes every batch before any SUBACK, and per-filter outcomes, grants, QoS
 * updates and the registration order survive the compact representation.
 */
import type * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { SubscribeError } from '../errors.js';
import { privateField } from '../test/support/privateField.js';
import { broker, createHarness } from '../test/support/sessionHarness.js';
import { encodeSubscribe, encodeSubscribeList } from './encodeSubscribe.js';
import type { SubscribeResult } from './session.js';

const subscribes = (packets: readonly mqtt.Packet[]) =>
  packets.filter((p): p is mqtt.ISubscribePacket => p.cmd === 'subscribe');
const devices = (n: number) => Array.from({ length: n }, (_, i) => `dev/${i}/cmd`);

/**
 * The registry's table, read through the session (white box: R332 is about representation). The
 * table is an ES private field, so the test reads it through the inspector.
 */
async function registrationsOf(session: object): Promise<Map<string, unknown>> {
  const registry = (session as { subs?: object }).subs;
  if (registry === undefined) throw new Error('no subscription registry found on the session');
  const table = await privateField(registry, 'registrations');
  if (!(table instanceof Map)) throw new Error('the registry holds no table of registrations');
  return table as Map<string, unknown>;
}

describe('subscriptions at scale (R332, R333)', () => {
  it('R332: 10,000 registered filters hold one small integer each, not an object', async () => {
    const h = createHarness();
    h.session.subscribeMany(
      devices(10_000).map((filter, i) => ({ filter, qos: (i % 3) as 0 | 1 | 2 })),
      () => {},
    );
    const table = await registrationsOf(h.session);
    expect(table.size).toBe(10_000);
    expect([...table.values()].every((v) => Number.isInteger(v))).toBe(true);
    expect(h.session.subscriptions().slice(0, 3)).toEqual([
      { filter: 'dev/0/cmd', qos: 0 },
      { filter: 'dev/1/cmd', qos: 1 },
      { filter: 'dev/2/cmd', qos: 2 },
    ]);
  });

  it('R333: the re-subscription of 2,500 filters writes all three SUBSCRIBEs before any SUBACK; each filter gets its own outcome', () => {
    const h = createHarness();
    const all = devices(2500);
    const outcomes: SubscribeResult[][] = [];
    h.session.subscribeMany(
      all.map((filter) => ({ filter, qos: 2 })),
      (results) => outcomes.push(results),
    );
    h.session.subscribe('dev/1/cmd', 1); // an update keeps the filter's place and its waiter
    h.session.connected(false);
    const sent = subscribes(h.take());
    expect(sent.map((p) => p.subscriptions.length)).toEqual([1000, 1000, 500]);
    expect(sent.flatMap((p) => p.subscriptions.map((s) => s.topic))).toEqual(all);
    expect(sent[0]?.subscriptions[1]?.qos).toBe(1);
    // Grant everything but refuse the last filter of the middle SUBSCRIBE.
    const [a, b, c] = sent;
    h.session.handle(broker.suback(a?.messageId ?? 0, ...Array(1000).fill(1)));
    h.session.handle(broker.suback(b?.messageId ?? 0, ...Array(999).fill(2), 0x80));
    expect(outcomes).toEqual([]);
    h.session.handle(broker.suback(c?.messageId ?? 0, ...Array(500).fill(0)));
    const [results] = outcomes;
    expect(results).toHaveLength(2500);
    expect(results?.[0]).toEqual({ granted: 1 });
    expect(results?.[1999] && 'error' in results[1999] ? results[1999].error : undefined).toBeInstanceOf(
      SubscribeError,
    );
    expect(results?.[2499]).toEqual({ granted: 0 });
    const listed = h.session.subscriptions();
    expect(listed[1]).toEqual({ filter: 'dev/1/cmd', qos: 1, granted: 1 });
    expect(listed[1999]).toEqual({ filter: 'dev/1999/cmd', qos: 2, granted: null });
  });

  it('R333: callbacks of a SUBSCRIBE cut off by a disconnect are settled by the next connection, ahead of newer ones', () => {
    const h = createHarness();
    h.session.connected(false);
    h.take();
    const order: string[] = [];
    h.session.subscribe('x', 1, () => order.push('first'));
    expect(subscribes(h.take())).toHaveLength(1);
    h.session.disconnected();
    h.session.subscribe('x', 1, () => order.push('second'));
    h.session.connected(false);
    const again = subscribes(h.take());
    expect(again.map((p) => p.subscriptions.map((s) => s.topic))).toEqual([['x']]);
    h.session.handle(broker.suback(again[0]?.messageId ?? 0, 1));
    expect(order).toEqual(['first', 'second']);
  });

  it('R333: the list encoder writes what the object encoder writes, ASCII and UTF-8 filters alike', () => {
    const filters = ['a/b', 'ü/+/€', '#', 'dev/😀/x'];
    const qos = [0, 1, 2, 1] as const;
    const lengths = filters.map((f) => Buffer.byteLength(f));
    expect(encodeSubscribeList(9, filters, qos, lengths)).toEqual(
      encodeSubscribe(
        9,
        filters.map((filter, i) => ({ filter, qos: qos[i] ?? 0 })),
      ),
    );
  });
});
