/**
 * Restart semantics of a session on a store (docs/spec.md R100-R115): a new session on the same
 * store resumes what the old one owed, as if the process had died at that point.
 */
import { describe, expect, it } from 'vitest';
import { broker, createHarness, describePackets } from '../test/support/sessionHarness.js';
import { MemoryStore } from './store.js';

/** A session on `store`, connected with `sessionPresent`, and what the connect wrote. */
function restart(store: MemoryStore, sessionPresent = true, onCleanSession: 'resend' | 'fail' = 'resend') {
  const h = createHarness({ store, onCleanSession });
  h.session.connected(sessionPresent);
  return { h, written: describePackets(h.take()), events: h.takeEvents() };
}

describe('a session restored from its store (R110-R113)', () => {
  it('re-sends PUBREL for PUBREC-ed ids, then in-flight PUBLISHes with DUP=1 and their ids, then queued ones, in publish order (R110, R111)', () => {
    const store = new MemoryStore();
    const h = createHarness({ store, maxInflight: 3 });
    h.session.connected(true);
    h.session.publish('t/a', 'a', 1, false);
    h.session.publish('t/b', 'b', 2, false);
    h.session.publish('t/c', 'c', 1, false);
    h.session.publish('t/d', 'd', 2, false); // queued: the window is full
    h.session.handle(broker.pubrec(2)); // b keeps its slot until PUBCOMP (R60)
    h.session.handle(broker.puback(3)); // frees a slot: d is written
    h.session.disconnected();
    h.session.publish('t/e', 'e', 1, false);
    // The process dies here: nothing of `h` is used again.
    const { written, events } = restart(store);
    expect(written).toEqual(['pubrel:2', 'publish:1:dup:t/a', 'publish:4:dup:t/d', 'publish:5:t/e']);
    expect(events).toEqual([]);
  });

  it('holds every restored id before anything new is published: a new message never takes an id the broker may still hold (R103)', () => {
    const store = new MemoryStore();
    const h = createHarness({ store });
    h.session.connected(true);
    h.session.publish('t/a', 'a', 1, false); // id 1: written, no PUBACK
    h.session.publish('t/b', 'b', 2, false); // id 2: PUBREC-ed, PUBREL owed
    h.session.handle(broker.pubrec(2));
    h.session.disconnected();
    // The process dies; a new one publishes before its first connection.
    const next = createHarness({ store });
    next.session.publish('t/new', 'n', 1, false);
    next.session.connected(true);
    const written = describePackets(next.take());
    const fresh = written.find((p) => p.endsWith(':t/new'));
    expect(written).toContain('pubrel:2');
    expect(written).toContain('publish:1:dup:t/a');
    expect(fresh).toBeDefined();
    expect(['publish:1:t/new', 'publish:2:t/new']).not.toContain(fresh);
  });

  it('completes a restored flow on its acknowledgement and reaches replay.done (R111)', () => {
    const store = new MemoryStore();
    const h = createHarness({ store });
    h.session.connected(true);
    h.session.publish('t', 'x', 2, false);
    h.session.handle(broker.pubrec(1));
    h.session.publish('t', 'y', 1, false);
    const { h: h2, written } = restart(store);
    expect(written).toEqual(['pubrel:1', 'publish:2:dup:t']);
    h2.session.handle(broker.pubcomp(1));
    h2.session.handle(broker.puback(2));
    expect(h2.takeEvents().map((e) => e.type)).toEqual(['pubcomp', 'puback', 'replay.done']);
    expect(restart(store).written).toEqual([]);
  });

  it('delivers an inbound QoS 2 message once across a restart before its PUBREL (R112)', () => {
    const store = new MemoryStore();
    const h = createHarness({ store });
    h.session.connected(true);
    h.session.handle(broker.publish('in', 'once', 2, 7));
    expect(h.takeEvents().filter((e) => e.type === 'message')).toHaveLength(1);
    const { h: h2 } = restart(store);
    h2.session.handle(broker.publish('in', 'once', 2, 7, true));
    expect(describePackets(h2.take())).toEqual(['pubrec:7']);
    expect(h2.takeEvents()).toEqual([]);
    h2.session.handle(broker.pubrel(7));
    h2.session.handle(broker.publish('in', 'next', 2, 7));
    expect(h2.takeEvents().filter((e) => e.type === 'message')).toHaveLength(1);
  });

  it('restores subscriptions in registration order and re-subscribes them (R113)', () => {
    const store = new MemoryStore();
    const h = createHarness({ store });
    h.session.subscribe('a/#', 1);
    h.session.subscribe('b/+', 2);
    h.session.subscribe('c', 0);
    h.session.unsubscribe('b/+');
    const { h: h2, written } = restart(store, false);
    expect(written).toEqual(['subscribe:a/#@1,c@0']);
    expect(h2.session.subscriptions().map((s) => s.filter)).toEqual(['a/#', 'c']);
  });

  it('with a new broker session applies onCleanSession: resend re-sends written ones, PUBREC-ed ones count as delivered (R114)', () => {
    const store = new MemoryStore();
    const h = createHarness({ store });
    h.session.connected(true);
    h.session.publish('t', '1', 2, false);
    h.session.handle(broker.pubrec(1));
    h.session.publish('t', '2', 1, false);
    h.session.handle(broker.publish('in', 'x', 2, 9));
    h.session.disconnected();
    h.session.publish('t', '3', 1, false);
    const { h: h2, written } = restart(store, false);
    expect(written).toEqual(['publish:2:dup:t', 'publish:3:t']);
    // The inbound id is forgotten with the broker's session: id 9 is a new message now.
    h2.session.handle(broker.publish('in', 'y', 2, 9));
    expect(h2.takeEvents().filter((e) => e.type === 'message')).toHaveLength(1);
    // And the store says so too (message 3 has now been written once).
    expect(restart(store, true).written).toEqual(['publish:2:dup:t', 'publish:3:dup:t']);
  });

  it("with a new broker session and onCleanSession: 'fail' drops written ones and sends queued ones (R114)", () => {
    const store = new MemoryStore();
    const h = createHarness({ store });
    h.session.connected(true);
    h.session.publish('t', '1', 1, false);
    h.session.disconnected();
    h.session.publish('t', '2', 1, false);
    const { written, events } = restart(store, false, 'fail');
    expect(written).toEqual(['publish:2:t']);
    expect(events).toContainEqual({ type: 'drop', reason: 'session-lost', topic: 't', packetId: 1, qos: 1 });
    expect(restart(store, true).written).toEqual(['publish:2:dup:t']);
  });

  it('keeps the log bounded by what is pending (compaction) and still restores exactly it (R107)', async () => {
    const store = new MemoryStore();
    const h = createHarness({ store, maxInflight: 10 });
    h.session.connected(true);
    for (let i = 0; i < 5000; i++) {
      const { packetId } = h.session.publish('t', `m${i}`, 1, false);
      if (i < 4990) h.session.handle(broker.puback(packetId));
    }
    await Promise.resolve();
    expect(store.length).toBeLessThan(30);
    const { written } = restart(store);
    expect(written).toHaveLength(10);
    expect(written.every((w) => w.includes(':dup:'))).toBe(true);
  });
});
