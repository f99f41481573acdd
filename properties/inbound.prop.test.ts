/**
 * Inbound QoS 2 against a scripted faulty broker (docs/spec.md R210-R216): any sequence of new
 * messages, DUP re-sends, PUBRELs, reconnects with the session, flows the broker drops (its PUBREL
 * lost, the id reused later) and stale re-sends after PUBREL on a later connection (what aedes with
 * shared persistence does) delivers every message exactly once. With `handleMessage` finishing in
 * any order, no ack is written before its handler finished, and acks follow receive order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { broker, connectedHarness, describePackets } from '../test/support/sessionHarness.js';

type Op =
  | { readonly op: 'new'; readonly id: number }
  | { readonly op: 'resend' | 'pubrel' | 'abandon' | 'stale' | 'finish'; readonly pick: number }
  | { readonly op: 'reconnect' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constant('new' as const), id: fc.integer({ min: 1, max: 4 }) }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constantFrom(
        'resend' as const,
        'pubrel' as const,
        'abandon' as const,
        'stale' as const,
        'finish' as const,
      ),
      pick: fc.nat(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('reconnect' as const) }) },
);

/** One QoS 2 flow as the broker sees it. */
interface Flow {
  readonly id: number;
  readonly payload: string;
  /** The connection the client first got it on. */
  readonly firstConnection: number;
  /** `sent`: awaiting PUBREC; `pubrec`: PUBREL owed; `done`: completed (PUBCOMP) or dropped. */
  stage: 'sent' | 'pubrec' | 'done';
  /** Sent again after its PUBREL (R211): answered at once, not handed to the handler. */
  stale: boolean;
}

const pick = <T>(items: readonly T[], n: number): T | undefined =>
  items.length === 0 ? undefined : items[n % items.length];

function run(ops: readonly Op[], async: boolean): void {
  const unfinished: (() => void)[] = [];
  const handled = new Set<string>();
  // The handler returns a thenable the test settles by hand, synchronously, in any order.
  const h = connectedHarness(
    async
      ? {
          handleMessage: (m) => {
            const key = `${m.packetId}:${Buffer.from(m.payload).toString()}`;
            return {
              // biome-ignore lint/suspicious/noThenProperty: a thenable settled synchronously, in any order
              then: (done: () => void) => {
                unfinished.push(() => {
                  handled.add(key);
                  done();
                });
              },
            } as PromiseLike<void>;
          },
        }
      : {},
  );
  let connection = 1;
  let seq = 0;
  const flows: Flow[] = [];
  const live = () => flows.filter((f) => f.stage !== 'done');
  /** Ids whose ack the client owes, in receive order (R214). */
  const owed: number[] = [];
  const check = () => {
    for (const p of h.take()) {
      if (p.cmd !== 'pubrec') continue;
      const f = live().find((x) => x.id === p.messageId);
      if (f === undefined) throw new Error(`PUBREC for ${p.messageId} with no flow`);
      if (f.stage === 'sent') {
        // R214: only once its handler finished, and in receive order.
        if (async && !f.stale) {
          expect(handled.has(`${f.id}:${f.payload}`)).toBe(true);
          expect(owed[0]).toBe(f.id);
          owed.shift();
        }
        f.stage = 'pubrec';
      }
    }
  };
  for (const o of ops) {
    switch (o.op) {
      case 'new': {
        if (live().some((f) => f.id === o.id)) break;
        const f: Flow = {
          id: o.id,
          payload: `m${seq++}`,
          firstConnection: connection,
          stage: 'sent',
          stale: false,
        };
        flows.push(f);
        if (async) owed.push(o.id);
        h.session.handle(broker.publish('t', f.payload, 2, f.id));
        break;
      }
      case 'resend': {
        const f = pick(live(), o.pick);
        if (f !== undefined) h.session.handle(broker.publish('t', f.payload, 2, f.id, true));
        break;
      }
      case 'pubrel': {
        const f = pick(
          live().filter((x) => x.stage === 'pubrec'),
          o.pick,
        );
        if (f === undefined) break;
        h.session.handle(broker.pubrel(f.id));
        expect(describePackets(h.take())).toEqual([`pubcomp:${f.id}`]);
        f.stage = 'done';
        break;
      }
      case 'abandon': {
        // The broker loses the flow (R210, R213): it never sends PUBREL, and may reuse the id.
        const f = pick(
          live().filter((x) => x.stage === 'pubrec'),
          o.pick,
        );
        if (f !== undefined) f.stage = 'done';
        break;
      }
      case 'stale': {
        // aedes: a released message sent again, without DUP, on a later connection (R211).
        // Only the latest flow of an id the broker is not using now.
        const latest = new Map(flows.map((x) => [x.id, x]));
        const f = pick(
          [...latest.values()].filter((x) => x.stage === 'done' && x.firstConnection < connection),
          o.pick,
        );
        if (f === undefined) break;
        f.stage = 'sent';
        f.stale = true;
        h.session.handle(broker.publish('t', f.payload, 2, f.id));
        break;
      }
      case 'finish': {
        unfinished.splice(o.pick % Math.max(1, unfinished.length), 1)[0]?.();
        break;
      }
      case 'reconnect':
        h.session.disconnected();
        connection++;
        h.session.connected(true);
        break;
    }
    check();
  }
  const messages = h
    .takeEvents()
    .flatMap((e) => (e.type === 'message' ? [`${e.packetId}:${Buffer.from(e.payload).toString()}`] : []));
  expect(messages).toEqual([...new Set(messages)]);
  expect(new Set(messages)).toEqual(new Set(flows.map((f) => `${f.id}:${f.payload}`)));
}

/** Finishes every handler left, so the run ends with everything delivered and acknowledged. */
const finishAll: Op[] = Array.from({ length: 64 }, () => ({ op: 'finish' as const, pick: 0 }));

describe('inbound QoS 2 against a faulty broker (R210-R216)', () => {
  it('R211/R213: every message delivered exactly once, whatever the broker re-sends or drops', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => run(ops, false)),
      { numRuns: 400 },
    );
  });

  it('R214-R216: with handlers finishing in any order, acks wait for them and follow receive order', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => run([...ops, ...finishAll], true)),
      { numRuns: 400 },
    );
  });
});
