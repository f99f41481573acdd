import { describe, expect, it, vi } from 'vitest';
import { ConfigError, InvalidTopicError, NotConnectedError, SizeLimitError } from '../errors.js';
import { broker, createHarness, describePackets, publishes } from '../test/support/sessionHarness.js';

describe('MqttSession: QoS 0 and validation', () => {
  it('writes a QoS 0 publish at once, calls done, emits nothing', () => {
    const h = createHarness();
    h.session.connected(false);
    h.takeEvents();
    const done = vi.fn();
    const result = h.session.publish('a/b', 'hi', 0, true, done);
    expect(result).toEqual({ packetId: 0, disposition: 'sent', writable: true });
    const [p] = publishes(h.take());
    expect(p).toMatchObject({ topic: 'a/b', qos: 0, retain: true, dup: false });
    expect(String(p?.payload)).toBe('hi');
    expect(done).toHaveBeenCalledWith(undefined);
    expect(h.takeEvents()).toEqual([]);
  });

  it('drops a QoS 0 publish while offline, with an event and NotConnectedError', () => {
    const h = createHarness();
    const done = vi.fn();
    expect(h.session.publish('t', 'x', 0, false, done)).toEqual({
      packetId: 0,
      disposition: 'dropped',
      writable: true,
    });
    expect(h.take()).toEqual([]);
    expect(h.events).toEqual([{ type: 'drop', reason: 'offline', topic: 't', packetId: 0, qos: 0 }]);
    expect(done.mock.calls[0]?.[0]).toBeInstanceOf(NotConnectedError);
  });

  it('throws InvalidTopicError synchronously and sends nothing', () => {
    const h = createHarness();
    h.session.connected(false);
    h.take();
    const done = vi.fn();
    for (const topic of ['a/+', 'a/#', '', 'a\0b']) {
      expect(() => h.session.publish(topic, 'x', 1, false, done)).toThrow(InvalidTopicError);
    }
    expect(() => h.session.subscribe('a/#/b', 1)).toThrow(InvalidTopicError);
    expect(() => h.session.unsubscribe('a+', vi.fn())).toThrow(InvalidTopicError);
    expect(h.take()).toEqual([]);
    expect(done).not.toHaveBeenCalled();
  });

  it('throws SizeLimitError PAYLOAD_TOO_LARGE before sending anything', () => {
    const h = createHarness({ maxPayloadBytes: 4 });
    h.session.connected(false);
    h.take();
    const done = vi.fn();
    expect(h.session.publish('t', 'four', 1, false)).toMatchObject({ disposition: 'sent' });
    h.take();
    const error = (() => {
      try {
        h.session.publish('t', 'fiveé', 1, false, done);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SizeLimitError);
    expect(error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', size: 6, limit: 4 });
    expect(h.take()).toEqual([]);
    expect(done).not.toHaveBeenCalled();
    expect(h.session.queueLength).toBe(1);
  });

  it('rejects invalid options with ConfigError', () => {
    expect(() => createHarness({ maxInflight: 0 })).toThrow(ConfigError);
    expect(() => createHarness({ maxQueueLength: -1 })).toThrow(ConfigError);
    expect(() => createHarness({ maxPayloadBytes: 268_435_455 })).toThrow(ConfigError);
    expect(() => createHarness({ overflow: 'spill' as 'reject' })).toThrow(ConfigError);
  });
});

describe('MqttSession: packet ids', () => {
  it('shares one allocator between PUBLISH, SUBSCRIBE and UNSUBSCRIBE, never reusing a held id', () => {
    const h = createHarness();
    h.session.connected(false);
    h.take();
    h.session.subscribe('s', 1);
    const a = h.session.publish('t', 'x', 1, false).packetId;
    h.session.unsubscribe('u');
    const ids = h.take().map((p) => p.messageId);
    expect(ids).toEqual([1, 2, 3]);
    expect(a).toBe(2);
    expect(h.session.packetIds.isInUse(2)).toBe(true);
    const peek = h.session.nextPacketId();
    expect(peek).toBe(4);
    expect(h.session.packetIds.isInUse(peek)).toBe(false);
    h.session.handle(broker.puback(2));
    expect(h.session.packetIds.isInUse(2)).toBe(false);
  });
});

describe('MqttSession: outbound QoS 1 and 2', () => {
  it('QoS 1: done on PUBACK, event, id released; unknown PUBACK ignored', () => {
    const h = createHarness();
    h.session.connected(false);
    h.take();
    h.takeEvents();
    const done = vi.fn();
    const { packetId, disposition } = h.session.publish('t', 'x', 1, false, done);
    expect(disposition).toBe('sent');
    expect(publishes(h.take())[0]).toMatchObject({ qos: 1, dup: false, messageId: packetId });
    h.session.handle(broker.puback(packetId + 100));
    expect(done).not.toHaveBeenCalled();
    h.session.handle(broker.puback(packetId));
    expect(done).toHaveBeenCalledExactlyOnceWith(undefined);
    expect(h.takeEvents()).toEqual([{ type: 'puback', packetId }]);
    h.session.handle(broker.puback(packetId));
    expect(done).toHaveBeenCalledTimes(1);
    expect(h.session.packetIds.inUse).toBe(0);
  });

  it('QoS 2: PUBREC -> PUBREL, done on PUBCOMP', () => {
    const h = createHarness();
    h.session.connected(false);
    h.take();
    const done = vi.fn();
    const { packetId } = h.session.publish('t', 'x', 2, false, done);
    h.take();
    h.session.handle(broker.puback(packetId));
    expect(h.session.inflightCount).toBe(1);
    h.session.handle(broker.pubrec(packetId));
    expect(describePackets(h.take())).toEqual([`pubrel:${packetId}`]);
    expect(done).not.toHaveBeenCalled();
    expect(h.session.inflightCount).toBe(0);
    expect(h.session.packetIds.isInUse(packetId)).toBe(true);
    h.session.handle(broker.pubcomp(packetId));
    expect(done).toHaveBeenCalledExactlyOnceWith(undefined);
    expect(h.events.map((e) => e.type)).toEqual(['replay.done', 'pubrec', 'pubcomp']);
    expect(h.session.packetIds.isInUse(packetId)).toBe(false);
  });

  it('QoS 2: re-sends PUBREL first after a reconnect with the session present', () => {
    const h = createHarness();
    h.session.subscribe('s', 1);
    h.session.connected(false);
    const done = vi.fn();
    const { packetId } = h.session.publish('t', 'x', 2, false, done);
    h.session.handle(broker.pubrec(packetId));
    h.session.publish('q', 'y', 1, false);
    h.session.disconnected();
    h.take();
    h.takeEvents();
    h.session.connected(true);
    expect(describePackets(h.take())).toEqual([`pubrel:${packetId}`, 'subscribe:s@1', 'publish:3:dup:q']);
    h.session.handle(broker.puback(3));
    expect(h.takeEvents().map((e) => e.type)).toEqual(['puback']);
    h.session.handle(broker.pubcomp(packetId));
    expect(done).toHaveBeenCalledExactlyOnceWith(undefined);
    expect(h.takeEvents()).toEqual([{ type: 'pubcomp', packetId }, { type: 'replay.done' }]);
  });

  it('QoS 2 past PUBREC counts as delivered when the session is lost', () => {
    const h = createHarness({ onCleanSession: 'fail' });
    h.session.connected(false);
    const done = vi.fn();
    const { packetId } = h.session.publish('t', 'x', 2, false, done);
    h.session.handle(broker.pubrec(packetId));
    h.session.disconnected();
    h.take();
    h.session.connected(false);
    expect(h.take()).toEqual([]);
    expect(done).toHaveBeenCalledExactlyOnceWith(undefined);
    expect(h.session.packetIds.inUse).toBe(0);
  });

  it('answers a PUBREC for an unknown id with PUBREL, ignores the PUBCOMP', () => {
    const h = createHarness();
    h.session.connected(false);
    h.take();
    h.session.handle(broker.pubrec(77));
    expect(describePackets(h.take())).toEqual(['pubrel:77']);
    h.session.handle(broker.pubcomp(77));
    expect(h.take()).toEqual([]);
  });

  it('counts payload bytes, in flight and queued, plus the transport buffer', () => {
    const h = createHarness();
    h.session.connected(false);
    h.buffered = 100;
    const a = h.session.publish('t', new Uint8Array(10), 1, false).packetId;
    const b = h.session.publish('t', 'héllo', 2, false).packetId;
    h.session.publish('t', new Uint8Array(1000), 0, false);
    expect(h.session.numUnsentBytes()).toBe(100 + 10 + 6);
    h.session.disconnected();
    h.session.publish('t', new Uint8Array(7), 1, false);
    expect(h.session.numUnsentBytes()).toBe(123);
    h.session.connected(true);
    h.session.handle(broker.puback(a));
    h.session.handle(broker.pubrec(b));
    expect(h.session.numUnsentBytes()).toBe(107);
  });
});
