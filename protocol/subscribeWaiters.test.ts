/**
 * Spec R164-R165 and R333: `subscribeMany` waits with one object for the whole list, not a callback
 * per entry, and still gives each entry its own outcome through disconnects, cancellations and a
 * stop.
 */
import type * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { ClientClosedError, SubscribeError } from '../errors.js';
import { broker, connectedHarness, createHarness } from '../test/support/sessionHarness.js';
import type { SubscribeResult } from './session.js';
import { SubscriptionCancelledError } from './subscriptionCancelled.js';

const subscribes = (packets: readonly mqtt.Packet[]) =>
  packets.filter((p): p is mqtt.ISubscribePacket => p.cmd === 'subscribe');

describe('one batch waiter per subscribeMany (R333)', () => {
  it('R164/R333: a filter listed twice gets one outcome for both entries; done runs once', () => {
    const h = connectedHarness();
    const calls: SubscribeResult[][] = [];
    h.session.subscribeMany(
      [
        { filter: 'a', qos: 0 },
        { filter: 'b', qos: 1 },
        { filter: 'a', qos: 1 },
      ],
      (r) => calls.push(r),
    );
    const [sub] = subscribes(h.take());
    expect(sub?.subscriptions).toEqual([
      { topic: 'a', qos: 1 },
      { topic: 'b', qos: 1 },
    ]);
    h.session.handle(broker.suback(sub?.messageId as number, 1, 0x80));
    expect(calls).toHaveLength(1);
    const [a, b, a2] = calls[0] as SubscribeResult[];
    expect(a).toEqual({ granted: 1 });
    expect(a2).toEqual({ granted: 1 });
    expect(b && 'error' in b && b.error).toBeInstanceOf(SubscribeError);
  });

  it('R165/R333: cut off by a disconnect, an unsubscribed entry is cancelled and the rest settle on the next SUBACK', () => {
    const h = connectedHarness();
    const calls: SubscribeResult[][] = [];
    h.session.subscribeMany(
      [
        { filter: 'x/1', qos: 0 },
        { filter: 'x/2', qos: 0 },
        { filter: 'x/3', qos: 0 },
      ],
      (r) => calls.push(r),
    );
    h.take();
    h.session.disconnected();
    h.session.unsubscribe('x/2');
    expect(calls).toEqual([]);
    h.session.connected(false);
    const [sub] = subscribes(h.take());
    expect(sub?.subscriptions.map((s) => s.topic)).toEqual(['x/1', 'x/3']);
    h.session.handle(broker.suback(sub?.messageId as number, 0, 0));
    expect(calls).toHaveLength(1);
    const [one, two, three] = calls[0] as SubscribeResult[];
    expect(one).toEqual({ granted: 0 });
    expect(two && 'error' in two && two.error).toBeInstanceOf(SubscriptionCancelledError);
    expect(three).toEqual({ granted: 0 });
  });

  it('R333: a stop settles every entry of an offline batch, each with its own ClientClosedError', () => {
    const h = createHarness();
    const calls: SubscribeResult[][] = [];
    h.session.subscribeMany(
      [
        { filter: 'p', qos: 0 },
        { filter: 'q', qos: 0 },
      ],
      (r) => calls.push(r),
    );
    h.session.subscribe('p', 0, (r) => calls.push([r]));
    h.session.abandon(() => new ClientClosedError('stopped'));
    expect(calls).toHaveLength(2);
    const [batch, single] = calls;
    const errors = [...(batch ?? []), ...(single ?? [])].map((r) => ('error' in r ? r.error : undefined));
    for (const e of errors) expect(e).toBeInstanceOf(ClientClosedError);
    expect(new Set(errors).size).toBe(3);
  });

  it('R164: an empty list calls done at once with no outcomes', () => {
    const h = connectedHarness();
    const calls: SubscribeResult[][] = [];
    h.session.subscribeMany([], (r) => calls.push(r));
    expect(calls).toEqual([[]]);
    expect(subscribes(h.take())).toEqual([]);
  });
});

describe('a batch when the packet ids run out (R333)', () => {
  it('R163/R333: the filters left without an id wait with the batch and settle it on the next connection', async () => {
    const mqttPacket = await import('mqtt-packet');
    const { MqttSession } = await import('./session.js');
    const writes: Uint8Array[] = [];
    const session = new MqttSession(
      { write: (b: Uint8Array) => writes.push(b), emit() {}, bufferedBytes: () => 0 },
      {
        maxFiltersPerSubscribe: 1,
      },
    );
    session.connected(false);
    writes.length = 0;
    const n = 65_537; // one more than 65,535 ids, and one more again
    const list = Array.from({ length: n }, (_, i) => ({ filter: `f/${i}`, qos: 0 as const }));
    const calls: SubscribeResult[][] = [];
    session.subscribeMany(list, (r) => calls.push(r));
    expect(writes).toHaveLength(65_535);
    for (let id = 1; id <= 65_535; id++) session.handle(broker.suback(id, 0));
    expect(calls).toEqual([]);
    session.disconnected();
    // Granted ones are dropped offline, so that the next connection has ids for the two left.
    for (let i = 0; i < 65_535; i++) session.unsubscribe(`f/${i}`);
    writes.length = 0;
    session.connected(false);
    const parsed: mqtt.ISubscribePacket[] = [];
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (p) => {
      if (p.cmd === 'subscribe') parsed.push(p);
    });
    for (const w of writes) parser.parse(Buffer.from(w));
    // The re-subscription sends the two left over; their SUBACKs end the batch.
    const late = parsed.filter(
      (p) => p.subscriptions[0]?.topic === `f/${n - 2}` || p.subscriptions[0]?.topic === `f/${n - 1}`,
    );
    expect(late).toHaveLength(2);
    for (const p of late) session.handle(broker.suback(p.messageId as number, 1));
    expect(calls).toHaveLength(1);
    const results = calls[0] as SubscribeResult[];
    expect(results).toHaveLength(n);
    expect(results[0]).toEqual({ granted: 0 });
    expect(results[n - 1]).toEqual({ granted: 1 });
    expect(results[n - 2]).toEqual({ granted: 1 });
  });
});
