import { describe, expect, it, vi } from 'vitest';
import { MessageDroppedError } from '../errors.js';
import { broker, createHarness, describePackets, publishes } from '../test/support/sessionHarness.js';

function dropsOf(events: readonly { type: string }[]) {
  return events.filter((e) => e.type === 'drop');
}

describe('MqttSession overflow: drop-oldest', () => {
  it('drops the oldest queued message (event + QUEUE_FULL) and keeps the new one', () => {
    const h = createHarness({ maxQueueLength: 2 });
    const first = vi.fn();
    const a = h.session.publish('a', '', 1, false, first);
    h.session.publish('b', '', 1, false);
    const c = h.session.publish('c', '', 1, false);
    expect(c.disposition).toBe('queued');
    expect(h.session.queueLength).toBe(2);
    expect(dropsOf(h.events)).toEqual([
      { type: 'drop', reason: 'overflow', topic: 'a', packetId: a.packetId, qos: 1 },
    ]);
    expect(first.mock.calls[0]?.[0]).toBeInstanceOf(MessageDroppedError);
    expect(first.mock.calls[0]?.[0]).toMatchObject({ code: 'QUEUE_FULL' });
    expect(h.session.packetIds.isInUse(a.packetId)).toBe(false);
    h.session.connected(false);
    expect(publishes(h.take()).map((p) => p.topic)).toEqual(['b', 'c']);
  });

  it('never drops a message on the wire: the new one is dropped instead', () => {
    const h = createHarness({ maxQueueLength: 2, maxInflight: 2 });
    h.session.connected(false);
    h.session.publish('a', '', 1, false);
    h.session.publish('b', '', 1, false);
    const done = vi.fn();
    expect(h.session.publish('c', '', 1, false, done)).toEqual({
      packetId: 0,
      disposition: 'dropped',
      writable: true,
    });
    expect(dropsOf(h.events)).toEqual([
      { type: 'drop', reason: 'overflow', topic: 'c', packetId: 0, qos: 1 },
    ]);
    expect(done.mock.calls[0]?.[0]).toMatchObject({ code: 'QUEUE_FULL' });
    expect(h.session.queueLength).toBe(2);
  });

  it('bounds payload bytes too, and evicts nothing when the new message could never fit (R85: it is refused as too large, naming session.maxQueueBytes)', () => {
    const h = createHarness({ maxQueueBytes: 10 });
    h.session.publish('a', new Uint8Array(6), 1, false);
    const b = vi.fn();
    h.session.publish('b', new Uint8Array(6), 1, false, b);
    expect(dropsOf(h.events).map((e) => 'topic' in e && e.topic)).toEqual(['a']);
    expect(h.session.numUnsentBytes()).toBe(6);
    expect(() => h.session.publish('huge', new Uint8Array(11), 1, false)).toThrow(
      'payload of 11 bytes exceeds session.maxQueueBytes (10 bytes)',
    );
    expect(() => h.session.publish('huge', new Uint8Array(11), 1, false)).toThrow(
      expect.objectContaining({ name: 'SizeLimitError', code: 'PAYLOAD_TOO_LARGE', size: 11, limit: 10 }),
    );
    expect(dropsOf(h.events).map((e) => 'topic' in e && e.topic)).toEqual(['a']);
    expect(h.session.numUnsentBytes()).toBe(6);
    // A message that fits but not next to the one queued: the bound and the sizes are named.
    const c = vi.fn();
    h.session.publish('c', new Uint8Array(5), 1, false, c);
    expect(b.mock.calls[0]?.[0]).toMatchObject({ code: 'QUEUE_FULL' });
    expect(b.mock.calls[0]?.[0].message).toBe(
      "dropped to make room for a newer message (overflow 'drop-oldest'): 6 bytes queued + 5 exceed session.maxQueueBytes = 10",
    );
    expect(c).not.toHaveBeenCalled();
  });

  it('releases a dropped QoS 2 id that the broker may hold through PUBREL/PUBCOMP before reuse', () => {
    const h = createHarness({ maxQueueLength: 1 });
    h.session.connected(false);
    const x = h.session.publish('x', '', 2, false).packetId;
    h.session.disconnected();
    h.session.publish('y', '', 2, false);
    expect(h.session.packetIds.isInUse(x)).toBe(true);
    h.take();
    h.session.connected(true);
    expect(describePackets(h.take())).toEqual([`pubrel:${x}`, 'publish:2:y']);
    h.session.handle(broker.pubcomp(x));
    expect(h.session.packetIds.isInUse(x)).toBe(false);
    expect(h.events.filter((e) => e.type === 'pubcomp')).toEqual([]);
  });
});

describe('MqttSession overflow: drop-newest and reject', () => {
  it('drop-newest drops the new message and keeps the queue', () => {
    const h = createHarness({ maxQueueLength: 1, overflow: 'drop-newest' });
    const kept = h.session.publish('a', '', 1, false);
    const done = vi.fn();
    expect(h.session.publish('b', '', 2, false, done).disposition).toBe('dropped');
    expect(dropsOf(h.events)).toEqual([
      { type: 'drop', reason: 'overflow', topic: 'b', packetId: 0, qos: 2 },
    ]);
    expect(done.mock.calls[0]?.[0]).toMatchObject({ code: 'QUEUE_FULL' });
    h.session.connected(false);
    expect(publishes(h.take()).map((p) => p.messageId)).toEqual([kept.packetId]);
  });

  it('reject throws QUEUE_FULL synchronously; nothing is queued or emitted', () => {
    const h = createHarness({ maxQueueLength: 1, overflow: 'reject' });
    h.session.publish('a', '', 1, false);
    const done = vi.fn();
    expect(() => h.session.publish('b', '', 1, false, done)).toThrow(MessageDroppedError);
    expect(() => h.session.publish('b', '', 1, false)).toThrow(
      expect.objectContaining({ code: 'QUEUE_FULL' }),
    );
    expect(done).not.toHaveBeenCalled();
    expect(dropsOf(h.events)).toEqual([]);
    expect(h.session.queueLength).toBe(1);
  });
});

describe('MqttSession: maxQueueLength 0 (no queue, Mongoose max_queue_length = 0)', () => {
  it('sends QoS >= 1 when possible, drops offline and on connection loss', () => {
    const h = createHarness({ maxQueueLength: 0 });
    const offline = vi.fn();
    expect(h.session.publish('a', '', 1, false, offline).disposition).toBe('dropped');
    expect(offline.mock.calls[0]?.[0]).toMatchObject({ code: 'NOT_CONNECTED' });
    h.session.connected(false);
    const lost = vi.fn();
    expect(h.session.publish('b', '', 1, false, lost).disposition).toBe('sent');
    h.session.disconnected();
    expect(lost.mock.calls[0]?.[0]).toMatchObject({ code: 'MESSAGE_DROPPED' });
    expect(dropsOf(h.events).map((e) => 'reason' in e && e.reason)).toEqual(['offline', 'offline']);
    expect(h.session.packetIds.inUse).toBe(0);
  });
});

describe('MqttSession: onCleanSession', () => {
  function written() {
    return (options: { onCleanSession: 'resend' | 'fail' }) => {
      const h = createHarness(options);
      h.session.connected(false);
      const sent = vi.fn();
      const a = h.session.publish('a', '', 1, false, sent).packetId;
      h.session.disconnected();
      const queued = vi.fn();
      const b = h.session.publish('b', '', 2, false, queued).packetId;
      h.take();
      h.takeEvents();
      h.session.connected(false);
      return { h, a, b, sent, queued };
    };
  }

  it("'resend' re-sends unacknowledged messages with their ids, DUP only where written before", () => {
    const { h, a, b, sent } = written()({ onCleanSession: 'resend' });
    expect(describePackets(h.take())).toEqual([`publish:${a}:dup:a`, `publish:${b}:b`]);
    h.session.handle(broker.puback(a));
    expect(sent).toHaveBeenCalledExactlyOnceWith(undefined);
  });

  it("'fail' drops messages written to the lost session; never-written ones are sent", () => {
    const { h, a, b, sent, queued } = written()({ onCleanSession: 'fail' });
    expect(describePackets(h.take())).toEqual([`publish:${b}:b`]);
    expect(sent.mock.calls[0]?.[0]).toBeInstanceOf(MessageDroppedError);
    expect(sent.mock.calls[0]?.[0]).toMatchObject({ code: 'MESSAGE_DROPPED' });
    expect(dropsOf(h.events)).toEqual([
      { type: 'drop', reason: 'session-lost', topic: 'a', packetId: a, qos: 1 },
    ]);
    expect(h.session.packetIds.isInUse(a)).toBe(false);
    h.session.handle(broker.pubrec(b));
    h.session.handle(broker.pubcomp(b));
    expect(queued).toHaveBeenCalledExactlyOnceWith(undefined);
  });

  it("'fail' keeps everything when the session is present", () => {
    const h = createHarness({ onCleanSession: 'fail' });
    h.session.connected(false);
    const a = h.session.publish('a', '', 1, false).packetId;
    h.session.disconnected();
    h.take();
    h.session.connected(true);
    expect(describePackets(h.take())).toEqual([`publish:${a}:dup:a`]);
  });
});

describe('MqttSession: a throwing callback', () => {
  it('does not corrupt the session; the error is rethrown from a microtask', () => {
    const h = createHarness();
    h.session.connected(false);
    const boom = new Error('boom');
    const deferred: (() => void)[] = [];
    const spy = vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((fn) => deferred.push(fn));
    try {
      const a = h.session.publish('a', '', 1, false, () => {
        throw boom;
      }).packetId;
      h.session.handle(broker.puback(a));
    } finally {
      spy.mockRestore();
    }
    expect(h.session.queueLength).toBe(0);
    expect(h.session.packetIds.inUse).toBe(0);
    expect(deferred).toHaveLength(1);
    expect(() => deferred[0]?.()).toThrow(boom);
  });
});
