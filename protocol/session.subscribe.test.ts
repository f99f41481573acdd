import { describe, expect, it, vi } from 'vitest';
import { SubscribeError } from '../errors.js';
import { broker, connectedHarness, createHarness, describePackets } from '../test/support/sessionHarness.js';
import { SubscriptionCancelledError } from './session.js';

describe('MqttSession subscribe', () => {
  it('stores offline, sends on connect, reports the granted QoS', () => {
    const h = createHarness();
    const done = vi.fn();
    h.session.subscribe('a/+', 2, done);
    expect(h.take()).toEqual([]);
    expect(h.session.subscriptions()).toEqual([{ filter: 'a/+', qos: 2 }]);
    h.session.connected(false);
    const [sub] = h.take();
    expect(describePackets(sub ? [sub] : [])).toEqual(['subscribe:a/+@2']);
    h.takeEvents();
    h.session.handle(broker.suback(sub?.messageId ?? 0, 1));
    expect(done).toHaveBeenCalledExactlyOnceWith({ granted: 1 });
    expect(h.takeEvents()).toEqual([{ type: 'suback', packetId: sub?.messageId, filter: 'a/+', granted: 1 }]);
    expect(h.session.subscriptions()).toEqual([{ filter: 'a/+', qos: 2, granted: 1 }]);
    expect(h.session.packetIds.inUse).toBe(0);
  });

  it('SUBACK 0x80: done gets a SubscribeError, event granted null, the filter stays registered', () => {
    const h = connectedHarness();
    const done = vi.fn();
    h.session.subscribe('secret/#', 1, done);
    h.session.handle(broker.suback(1, 0x80));
    const result = done.mock.calls[0]?.[0];
    expect(result.error).toBeInstanceOf(SubscribeError);
    expect(result.error).toMatchObject({ code: 'SUBSCRIBE_FAILED', filter: 'secret/#' });
    expect(h.takeEvents()).toEqual([{ type: 'suback', packetId: 1, filter: 'secret/#', granted: null }]);
    expect(h.session.subscriptions()).toEqual([{ filter: 'secret/#', qos: 1, granted: null }]);
    h.session.disconnected();
    h.session.connected(true);
    expect(describePackets(h.take()).slice(-1)).toEqual(['subscribe:secret/#@1']);
  });

  it('re-subscribes in registration order, in one SUBSCRIBE (R163); an update keeps its place', () => {
    const h = connectedHarness();
    for (const f of ['a', 'b', 'c']) h.session.subscribe(f, 0);
    h.session.subscribe('b', 2);
    // Each subscribe while connected is its own SUBSCRIBE.
    expect(describePackets(h.take())).toEqual([
      'subscribe:a@0',
      'subscribe:b@0',
      'subscribe:c@0',
      'subscribe:b@2',
    ]);
    h.session.disconnected();
    h.session.connected(true);
    const packets = h.take();
    expect(describePackets(packets)).toEqual(['subscribe:a@0,b@2,c@0']);
    expect(h.session.subscriptions().map((s) => s.filter)).toEqual(['a', 'b', 'c']);
  });

  it('re-sends a SUBSCRIBE lost with the connection; done is called once, on its SUBACK', () => {
    const h = connectedHarness();
    const done = vi.fn();
    h.session.subscribe('x', 1, done);
    h.session.disconnected();
    h.session.connected(true);
    const [sub] = h.take().slice(-1);
    h.session.handle(broker.suback(1, 0));
    expect(done).not.toHaveBeenCalled();
    h.session.handle(broker.suback(sub?.messageId ?? 0, 1));
    expect(done).toHaveBeenCalledExactlyOnceWith({ granted: 1 });
  });
});

describe('MqttSession unsubscribe', () => {
  it('removes locally, sends UNSUBSCRIBE, calls done and emits on UNSUBACK', () => {
    const h = connectedHarness();
    h.session.subscribe('a', 1);
    h.session.subscribe('b', 1);
    const done = vi.fn();
    h.session.unsubscribe('a', done);
    expect(h.session.subscriptions().map((s) => s.filter)).toEqual(['b']);
    const [, , unsub] = h.take();
    expect(describePackets(unsub ? [unsub] : [])).toEqual(['unsubscribe:a']);
    h.takeEvents();
    h.session.handle(broker.unsuback(unsub?.messageId ?? 0));
    expect(done).toHaveBeenCalledExactlyOnceWith(undefined);
    expect(h.takeEvents()).toEqual([{ type: 'unsuback', packetId: unsub?.messageId, filter: 'a' }]);
  });

  it('offline: sent on the next connection that keeps the session, before the SUBSCRIBEs', () => {
    const h = connectedHarness();
    h.session.subscribe('keep', 1);
    h.session.subscribe('gone', 1);
    h.session.disconnected();
    const done = vi.fn();
    h.session.unsubscribe('gone', done);
    h.take();
    h.session.connected(true);
    expect(describePackets(h.take())).toEqual(['unsubscribe:gone', 'subscribe:keep@1']);
    expect(done).not.toHaveBeenCalled();
    h.session.handle(broker.unsuback(3));
    expect(done).toHaveBeenCalledExactlyOnceWith(undefined);
  });

  it('offline: succeeds without sending when the broker lost the session', () => {
    const h = createHarness();
    const done = vi.fn();
    h.session.unsubscribe('x', done);
    h.session.connected(false);
    expect(h.take()).toEqual([]);
    expect(done).toHaveBeenCalledExactlyOnceWith(undefined);
  });

  it('withdraws a subscribe that was never sent with SubscriptionCancelledError', () => {
    const h = createHarness();
    const subscribed = vi.fn();
    h.session.subscribe('x', 1, subscribed);
    h.session.unsubscribe('x');
    const error = subscribed.mock.calls[0]?.[0].error;
    expect(error).toBeInstanceOf(SubscriptionCancelledError);
    expect(error).toBeInstanceOf(SubscribeError);
    expect(h.session.subscriptions()).toEqual([]);
  });

  it('a SUBSCRIBE already sent still resolves from its SUBACK after an unsubscribe', () => {
    const h = connectedHarness();
    const subscribed = vi.fn();
    h.session.subscribe('x', 1, subscribed);
    h.session.unsubscribe('x');
    expect(describePackets(h.take())).toEqual(['subscribe:x@1', 'unsubscribe:x']);
    h.session.handle(broker.suback(1, 1));
    expect(subscribed).toHaveBeenCalledExactlyOnceWith({ granted: 1 });
    expect(h.session.subscriptions()).toEqual([]);
  });
});
