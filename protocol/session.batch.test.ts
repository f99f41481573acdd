/**
 * Batched SUBSCRIBEs (spec R163-R165): the re-subscription on connect and `subscribeMany` carry
 * many filters per SUBSCRIBE, within `maxFiltersPerSubscribe` and 64 KiB, and every filter keeps
 * its own SUBACK outcome.
 */
import fc from 'fast-check';
import type * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { InvalidTopicError, SubscribeError } from '../errors.js';
import { broker, connectedHarness, createHarness } from '../test/support/sessionHarness.js';
import type { SubscribeResult } from './session.js';
import { SUBSCRIBE_BATCH_BYTES } from './subscriptions.js';

const subscribes = (packets: readonly mqtt.Packet[]) =>
  packets.filter((p): p is mqtt.ISubscribePacket => p.cmd === 'subscribe');
const filtersOf = (p: mqtt.ISubscribePacket) => p.subscriptions.map((s) => s.topic);
const devices = (n: number) => Array.from({ length: n }, (_, i) => `dev/${i}/cmd`);

describe('re-subscription in batches (R163)', () => {
  it('R163: 2,500 filters are re-subscribed in SUBSCRIBEs of 1,000, 1,000 and 500, in registration order', () => {
    const h = createHarness();
    const all = devices(2500);
    for (const f of all) h.session.subscribe(f, 1);
    h.session.connected(false);
    const sent = subscribes(h.take());
    expect(sent.map((p) => p.subscriptions.length)).toEqual([1000, 1000, 500]);
    expect(sent.flatMap(filtersOf)).toEqual(all);
    expect(sent.every((p) => p.subscriptions.every((s) => s.qos === 1))).toBe(true);
    // After a reconnect, the same again.
    h.session.disconnected();
    h.session.connected(true);
    expect(subscribes(h.take()).map((p) => p.subscriptions.length)).toEqual([1000, 1000, 500]);
  });

  it('R163: each SUBSCRIBE carries at most 64 KiB of filters', () => {
    const h = createHarness();
    const long = Array.from({ length: 100 }, (_, i) => `${i}/`.padEnd(1000, 'x'));
    const huge = 'h/'.padEnd(65_000, 'y');
    for (const f of [...long, huge, 'a']) h.session.subscribe(f, 0);
    h.session.connected(false);
    const sent = subscribes(h.take());
    expect(sent.flatMap(filtersOf)).toEqual([...long, huge, 'a']);
    for (const p of sent) {
      const bytes = p.subscriptions.reduce((n, s) => n + 3 + Buffer.byteLength(s.topic), 0);
      expect(bytes).toBeLessThanOrEqual(SUBSCRIBE_BATCH_BYTES);
    }
    // 65 of the 1,003-byte entries fill the first; the huge one does not fit beside the other 35.
    expect(sent.map((p) => p.subscriptions.length)).toEqual([65, 35, 2]);
  });

  it('R163: for any filters and limit, the SUBSCRIBEs carry every registration once, in order, within both limits', () => {
    const arbFilter = fc.oneof(
      fc.integer({ min: 1, max: 40 }).map((n) => 'f'.repeat(n)),
      fc.integer({ min: 20_000, max: 40_000 }).map((n) => 'L'.repeat(n)),
    );
    fc.assert(
      fc.property(fc.array(arbFilter, { maxLength: 12 }), fc.integer({ min: 1, max: 5 }), (list, max) => {
        const unique = [...new Set(list.map((f, i) => `${i}/${f}`))];
        const h = createHarness({ maxFiltersPerSubscribe: max });
        for (const f of unique) h.session.subscribe(f, 1);
        h.session.connected(false);
        const sent = subscribes(h.take());
        expect(sent.flatMap(filtersOf)).toEqual(unique);
        for (const p of sent) {
          expect(p.subscriptions.length).toBeLessThanOrEqual(max);
          const bytes = p.subscriptions.reduce((n, x) => n + 3 + Buffer.byteLength(x.topic), 0);
          expect(bytes).toBeLessThanOrEqual(SUBSCRIBE_BATCH_BYTES);
        }
        // Greedy: a batch is cut only when the next filter would break a limit.
        for (let i = 0; i + 1 < sent.length; i++) {
          const p = sent[i] as mqtt.ISubscribePacket;
          const next = (sent[i + 1] as mqtt.ISubscribePacket).subscriptions[0]?.topic ?? '';
          const bytes = p.subscriptions.reduce((n, x) => n + 3 + Buffer.byteLength(x.topic), 0);
          const full =
            p.subscriptions.length === max || bytes + 3 + Buffer.byteLength(next) > SUBSCRIBE_BATCH_BYTES;
          expect(full).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('R163: maxFiltersPerSubscribe 1 sends one SUBSCRIBE per filter, as before', () => {
    const h = createHarness({ maxFiltersPerSubscribe: 1 });
    for (const f of ['a', 'b', 'c']) h.session.subscribe(f, 0);
    h.session.connected(false);
    expect(subscribes(h.take()).map(filtersOf)).toEqual([['a'], ['b'], ['c']]);
  });

  it('R165: a batched SUBACK settles each filter by its own return code, refusals included', () => {
    const h = createHarness();
    const outcomes: [string, SubscribeResult][] = [];
    for (const f of ['a', 'b', 'c']) h.session.subscribe(f, 2, (r) => outcomes.push([f, r]));
    h.session.connected(false);
    const [p] = subscribes(h.take());
    h.takeEvents();
    h.session.handle(broker.suback(p?.messageId as number, 2, 0x80, 1));
    expect(outcomes.map(([f, r]) => [f, 'granted' in r ? r.granted : r.error.constructor.name])).toEqual([
      ['a', 2],
      ['b', 'SubscribeError'],
      ['c', 1],
    ]);
    expect(h.takeEvents()).toEqual([
      { type: 'suback', packetId: p?.messageId, filter: 'a', granted: 2 },
      { type: 'suback', packetId: p?.messageId, filter: 'b', granted: null },
      { type: 'suback', packetId: p?.messageId, filter: 'c', granted: 1 },
    ]);
    expect(h.session.subscriptions()).toEqual([
      { filter: 'a', qos: 2, granted: 2 },
      { filter: 'b', qos: 2, granted: null },
      { filter: 'c', qos: 2, granted: 1 },
    ]);
  });

  it('R165: a SUBACK with too few return codes refuses the filters it leaves out', () => {
    const h = createHarness();
    const outcomes: SubscribeResult[] = [];
    for (const f of ['a', 'b']) h.session.subscribe(f, 1, (r) => outcomes.push(r));
    h.session.connected(false);
    const [p] = subscribes(h.take());
    h.session.handle(broker.suback(p?.messageId as number, 1));
    expect(outcomes[0]).toEqual({ granted: 1 });
    expect((outcomes[1] as { error: unknown }).error).toBeInstanceOf(SubscribeError);
  });

  it('R165: waiters of a batch cut off by a disconnect are settled by the next connection SUBACK', () => {
    const h = createHarness();
    const outcomes: string[] = [];
    for (const f of ['a', 'b']) h.session.subscribe(f, 1, (r) => outcomes.push(`${f}:${'granted' in r}`));
    h.session.connected(false);
    h.take();
    h.session.disconnected();
    h.session.connected(true);
    const [p] = subscribes(h.take());
    expect(p && filtersOf(p)).toEqual(['a', 'b']);
    h.session.handle(broker.suback(p?.messageId as number, 1, 0x80));
    expect(outcomes).toEqual(['a:true', 'b:false']);
  });
});

describe('subscribeMany (R164)', () => {
  it('R164: a list subscribed while connected goes in one SUBSCRIBE; done gets one outcome per entry, in order', () => {
    const h = connectedHarness();
    let results: SubscribeResult[] | undefined;
    let calls = 0;
    h.session.subscribeMany(
      [
        { filter: 'x/+', qos: 1 },
        { filter: 'y/#', qos: 2 },
        { filter: 'x/+', qos: 0 },
      ],
      (r) => {
        calls++;
        results = r;
      },
    );
    const sent = subscribes(h.take());
    // A filter listed twice is sent once, with the QoS listed last.
    expect(sent.map((p) => p.subscriptions)).toEqual([
      [
        { topic: 'x/+', qos: 0 },
        { topic: 'y/#', qos: 2 },
      ],
    ]);
    expect(results).toBeUndefined();
    h.session.handle(broker.suback(sent[0]?.messageId as number, 0, 0x80));
    expect(calls).toBe(1);
    expect(results?.[0]).toEqual({ granted: 0 });
    expect((results?.[1] as { error: SubscribeError } | undefined)?.error.filter).toBe('y/#');
    expect(results?.[2]).toEqual({ granted: 0 });
  });

  it('R164: a list larger than maxFiltersPerSubscribe is split, and done waits for every SUBACK', () => {
    const h = connectedHarness({ maxFiltersPerSubscribe: 2 });
    let results: SubscribeResult[] | undefined;
    h.session.subscribeMany(
      ['a', 'b', 'c'].map((filter) => ({ filter, qos: 1 as const })),
      (r) => {
        results = r;
      },
    );
    const sent = subscribes(h.take());
    expect(sent.map(filtersOf)).toEqual([['a', 'b'], ['c']]);
    h.session.handle(broker.suback(sent[1]?.messageId as number, 1));
    expect(results).toBeUndefined();
    h.session.handle(broker.suback(sent[0]?.messageId as number, 1, 1));
    expect(results).toEqual([{ granted: 1 }, { granted: 1 }, { granted: 1 }]);
  });

  it('R164: offline, the list is registered and goes with the re-subscription on connect', () => {
    const h = createHarness();
    h.session.subscribe('first', 0);
    h.session.subscribeMany([{ filter: 'second', qos: 1 }]);
    expect(subscribes(h.take())).toEqual([]);
    h.session.connected(false);
    expect(subscribes(h.take()).map(filtersOf)).toEqual([['first', 'second']]);
  });

  it('R164: an invalid entry throws before anything is registered; an empty list completes at once', () => {
    const h = connectedHarness();
    expect(() =>
      h.session.subscribeMany([
        { filter: 'ok', qos: 1 },
        { filter: 'a/#/b', qos: 1 },
      ]),
    ).toThrow(InvalidTopicError);
    expect(() => h.session.subscribeMany([{ filter: 'ok', qos: 3 as 1 }])).toThrow(/qos must be/);
    expect(h.session.subscriptions()).toEqual([]);
    expect(h.take()).toEqual([]);
    let results: SubscribeResult[] | undefined;
    h.session.subscribeMany([], (r) => {
      results = r;
    });
    expect(results).toEqual([]);
  });
});
