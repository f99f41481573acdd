/**
 * Restart semantics against a model (docs/spec.md R110-R112): a session on a store is driven by
 * any sequence of publishes, broker acknowledgements, inbound QoS 2 flows, disconnects and process
 * restarts; a final restart with the session present re-sends exactly what the model says is
 * owed: PUBREL for the ids past PUBREC, then the unacknowledged PUBLISHes in publish order with
 * their original ids and DUP = 1 exactly for those written before; and delivers no inbound QoS 2
 * message twice.
 */
import fc from 'fast-check';
import type * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../protocol/store.js';
import { broker, createHarness, type SessionHarness } from '../test/support/sessionHarness.js';

type Op =
  | { readonly op: 'publish'; readonly qos: 1 | 2 }
  | { readonly op: 'ack'; readonly pick: number }
  | { readonly op: 'disconnect' | 'connect' | 'restart' }
  | { readonly op: 'inbound' | 'pubrel'; readonly id: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('publish' as const),
      qos: fc.constantFrom(1 as const, 2 as const),
    }),
  },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('ack' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constantFrom('disconnect' as const, 'connect' as const, 'restart' as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constantFrom('inbound' as const, 'pubrel' as const),
      id: fc.integer({ min: 1, max: 4 }),
    }),
  },
);

interface Owed {
  readonly id: number;
  readonly qos: 1 | 2;
  readonly payload: string;
  written: boolean;
  /** Written on the current connection (so the session accepts its acknowledgement). */
  live: boolean;
  pubrec: boolean;
}

const MAX_INFLIGHT = 3;

describe('restart from a store against a model (R110-R112)', () => {
  it('re-sends exactly what is owed, in order, with original ids and DUP = written before', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 50 }), (ops) => {
        const store = new MemoryStore();
        const open = () => createHarness({ store, maxInflight: MAX_INFLIGHT });
        let h: SessionHarness = open();
        let connected = false;
        let owed: Owed[] = [];
        const inbound = new Set<number>();
        let seq = 0;
        const observe = (packets: mqtt.Packet[]) => {
          for (const p of packets) {
            const m = owed.find((x) => x.id === p.messageId);
            if (m === undefined) continue;
            if (p.cmd === 'publish') {
              m.written = true;
              m.live = true;
            } else if (p.cmd === 'pubrel') m.pubrec = true;
          }
        };
        for (const o of ops) {
          switch (o.op) {
            case 'publish': {
              const payload = `m${seq++}`;
              const { packetId } = h.session.publish('t', payload, o.qos, false);
              owed.push({ id: packetId, qos: o.qos, payload, written: false, live: false, pubrec: false });
              break;
            }
            case 'ack': {
              if (!connected) break;
              const candidates = owed.filter((x) => (x.live && !x.pubrec) || x.pubrec);
              const m = candidates[o.pick % Math.max(1, candidates.length)];
              if (m === undefined) break;
              if (m.pubrec) {
                h.session.handle(broker.pubcomp(m.id));
                owed = owed.filter((x) => x !== m);
              } else if (m.qos === 1) {
                h.session.handle(broker.puback(m.id));
                owed = owed.filter((x) => x !== m);
              } else h.session.handle(broker.pubrec(m.id));
              break;
            }
            case 'disconnect':
              h.session.disconnected();
              connected = false;
              break;
            case 'connect':
              if (connected) break;
              h.session.connected(true);
              connected = true;
              break;
            case 'restart':
              h = open();
              connected = false;
              break;
            case 'inbound': {
              if (!connected) break;
              h.takeEvents();
              h.session.handle(broker.publish('in', 'x', 2, o.id));
              const delivered = h.takeEvents().some((e) => e.type === 'message');
              expect(delivered).toBe(!inbound.has(o.id));
              inbound.add(o.id);
              break;
            }
            case 'pubrel':
              if (!connected) break;
              h.session.handle(broker.pubrel(o.id));
              inbound.delete(o.id);
              break;
          }
          if (o.op === 'disconnect' || o.op === 'restart') for (const m of owed) m.live = false;
          observe(h.take());
        }
        // The process dies; a new one resumes on the same store with the broker's session present.
        const next = open();
        next.session.connected(true);
        const written = next.take();
        const expected = [
          ...owed.filter((m) => m.pubrec).map((m) => `pubrel:${m.id}`),
          // A QoS 2 message owing PUBREL keeps its window slot until PUBCOMP (R60).
          ...owed
            .filter((m) => !m.pubrec)
            .slice(0, Math.max(0, MAX_INFLIGHT - owed.filter((m) => m.pubrec).length))
            .map((m) => `publish:${m.id}:${m.written ? 'dup' : 'new'}:${m.payload}`),
        ];
        const actual = written.map((p) =>
          p.cmd === 'publish'
            ? `publish:${p.messageId}:${p.dup ? 'dup' : 'new'}:${String(p.payload)}`
            : `${p.cmd}:${p.messageId}`,
        );
        expect(actual).toEqual(expected);
        for (const id of inbound) {
          // The broker re-sends the same message (a different one would be a reused id, R213).
          next.session.handle(broker.publish('in', 'x', 2, id, true));
          expect(next.takeEvents().filter((e) => e.type === 'message')).toEqual([]);
        }
      }),
      { numRuns: 300 },
    );
  });
});
