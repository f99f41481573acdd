import fc from 'fast-check';
import type * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { MqttError, type SizeLimitError } from '../errors.js';
import { broker, createHarness, type SessionHarness } from '../test/support/sessionHarness.js';
import type { QoS } from './encode.js';
import type { SessionOptions } from './session.js';

type Op =
  | { kind: 'publish'; qos: QoS; size: number; retain: boolean }
  | { kind: 'connect'; sessionPresent: boolean }
  | { kind: 'disconnect' }
  | { kind: 'ack'; pick: number; suback: number }
  | { kind: 'bogusAck'; id: number }
  | { kind: 'inbound'; qos: QoS; id: number }
  | { kind: 'pubrel'; id: number }
  | { kind: 'subscribe'; filter: string; qos: QoS }
  | { kind: 'unsubscribe'; filter: string }
  | { kind: 'setMaxQos'; qos: QoS }
  | { kind: 'retransmit' };

const qos = fc.constantFrom<QoS>(0, 1, 2);
const filter = fc.constantFrom('a', 'b/+', '#');
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant('publish'), qos, size: fc.nat(12), retain: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('connect'), sessionPresent: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('disconnect') }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('ack'),
      pick: fc.nat(),
      suback: fc.constantFrom(0, 1, 2, 0x80),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('bogusAck'), id: fc.integer({ min: 1, max: 12 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('inbound'), qos, id: fc.integer({ min: 1, max: 4 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pubrel'), id: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('subscribe'), filter, qos }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unsubscribe'), filter }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('setMaxQos'), qos }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('retransmit') }) },
);
// Tight bounds exercise overflow; loose ones let long histories (PUBREC, reconnects) build up.
const options: fc.Arbitrary<SessionOptions> = fc.record({
  maxQueueLength: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constant(1000)),
  maxQueueBytes: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constant(1 << 20)),
  maxInflight: fc.integer({ min: 1, max: 4 }),
  maxInflightQos2: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
  overflow: fc.constantFrom('drop-oldest', 'drop-newest', 'reject'),
  maxQos: fc.constantFrom<QoS>(0, 1, 2, 2, 2),
  onCleanSession: fc.constantFrom('resend', 'fail'),
});

/** The model: what the test knows independently of the session's internals. */
class Model {
  /** Calls of each publish's done, by message number. */
  readonly doneCalls: (MqttError | undefined)[][] = [];
  /** Messages accepted with QoS >= 1 and not yet done: packet id -> message number. */
  readonly live = new Map<number, number>();
  /** Messages written at least once. */
  readonly written = new Set<number>();
  /** What the broker still has to answer on this connection. */
  wire: mqtt.Packet[] = [];
  /** Outbound QoS 2 ids the broker holds until PUBREL (method B): id -> message number. */
  readonly brokerQos2 = new Map<number, number>();
  /** Messages the broker's session has received (a re-send of one needs no receive quota). */
  readonly brokerSeen = new Set<number>();
  /** Inbound QoS 2 ids delivered and not yet released (as the broker sees it). */
  readonly inboundAwaiting = new Set<number>();
  expectedMessages = 0;

  /**
   * @param h - The session under test.
   * @param quota - The broker's receive quota for QoS >= 1 (mosquitto's `max_inflight_messages`):
   *   the QoS 2 window, since QoS 2 ids awaiting PUBREL hold it (spec R160).
   */
  constructor(
    readonly h: SessionHarness,
    readonly quota: number,
  ) {}

  publish(o: Extract<Op, { kind: 'publish' }>): void {
    const n = this.doneCalls.length;
    this.doneCalls.push([]);
    // The payload names the message, so every PUBLISH on the wire can be traced to its message.
    const payload = `${n}:`.padEnd(o.size + 2, '.');
    try {
      const { packetId, disposition } = this.h.session.publish('t', payload, o.qos, o.retain, (e) => {
        this.doneCalls[n]?.push(e);
        for (const [id, m] of this.live) if (m === n) this.live.delete(id);
      });
      if (packetId !== 0 && disposition !== 'dropped') {
        expect(this.live.has(packetId), `id ${packetId} reused while live`).toBe(false);
        if ((this.doneCalls[n]?.length ?? 0) === 0) this.live.set(packetId, n);
      }
    } catch (error) {
      // `reject` refuses a message that does not fit now; one the queue could never hold is too large (R85).
      if ((error as MqttError).code === 'PAYLOAD_TOO_LARGE')
        expect((error as SizeLimitError).size).toBeGreaterThan((error as SizeLimitError).limit);
      else expect(error).toMatchObject({ code: 'QUEUE_FULL' });
      this.doneCalls[n] = ['rejected' as unknown as undefined];
    }
  }

  /** Checks every packet written since the last call and puts what needs an answer on the wire. */
  absorb(): void {
    for (const p of this.h.take()) {
      if (p.cmd === 'publish') {
        const n = Number(String(p.payload).split(':')[0]);
        if (p.qos === 0) expect(p.dup).toBe(false);
        else {
          expect(this.live.get(p.messageId ?? -1), 'PUBLISH id belongs to its message').toBe(n);
          expect(p.dup, `DUP of message ${n}`).toBe(this.written.has(n));
          const id = p.messageId ?? 0;
          // R160: a broker that counts QoS 2 ids awaiting PUBREL against one receive quota
          // (mosquitto) discards a PUBLISH of either QoS that finds the quota used up. A re-send
          // of a message it already took needs no quota (QoS 2: it knows the id; QoS 1: it has
          // delivered it, and discarding the copy loses nothing).
          if (!this.brokerSeen.has(n) && !this.brokerQos2.has(id))
            expect(this.brokerQos2.size, `QoS ${p.qos} PUBLISH with the broker's quota used up`).toBeLessThan(
              this.quota,
            );
          this.brokerSeen.add(n);
          if (p.qos === 2) {
            // A new message under an id the broker still holds would be discarded as a duplicate.
            expect(this.brokerQos2.get(id) ?? n, `broker holds id ${id} for another message`).toBe(n);
            this.brokerQos2.set(id, n);
          }
          this.wire.push(p);
        }
        this.written.add(n);
      } else if (p.cmd === 'pubrel' || p.cmd === 'subscribe' || p.cmd === 'unsubscribe') {
        if (p.cmd === 'pubrel') this.brokerQos2.delete(p.messageId ?? 0);
        this.wire.push(p);
      }
    }
  }

  ack(pick: number, suback: number): void {
    if (this.wire.length === 0) return;
    const [p] = this.wire.splice(pick % this.wire.length, 1);
    if (p === undefined || p.messageId === undefined) return;
    const id = p.messageId;
    if (p.cmd === 'publish') this.h.session.handle(p.qos === 1 ? broker.puback(id) : broker.pubrec(id));
    else if (p.cmd === 'pubrel') this.h.session.handle(broker.pubcomp(id));
    else if (p.cmd === 'subscribe') this.h.session.handle(broker.suback(id, suback));
    else if (p.cmd === 'unsubscribe') this.h.session.handle(broker.unsuback(id));
  }

  inbound(q: QoS, id: number): void {
    const before = this.h.events.filter((e) => e.type === 'message').length;
    this.h.session.handle(broker.publish('in', 'x', q, q === 0 ? undefined : id));
    if (!this.h.session.isConnected) return;
    const fresh = q < 2 || !this.inboundAwaiting.has(id);
    if (q === 2) this.inboundAwaiting.add(id);
    const after = this.h.events.filter((e) => e.type === 'message').length;
    expect(after - before, 'inbound delivered exactly once').toBe(fresh ? 1 : 0);
  }

  checkBounds(o: SessionOptions): void {
    const s = this.h.session;
    expect(s.queueLength).toBeLessThanOrEqual(Math.max(o.maxQueueLength ?? 0, s.inflightCount));
    if ((o.maxQueueLength ?? 0) === 0) expect(s.queueLength).toBe(s.inflightCount);
    expect(s.numUnsentBytes()).toBeLessThanOrEqual(o.maxQueueBytes ?? 0);
    expect(s.inflightCount).toBeLessThanOrEqual(o.maxInflight ?? 1);
    // R60: QoS 2 messages past PUBREC keep their slot until PUBCOMP.
    expect(s.windowCount).toBeLessThanOrEqual(o.maxInflight ?? 1);
    // R160: QoS 2 has its own window within it (the whole window when only maxInflight is given).
    expect(s.windowQos2Count).toBeLessThanOrEqual(o.maxInflightQos2 ?? o.maxInflight ?? 1);
    for (const calls of this.doneCalls) expect(calls.length).toBeLessThanOrEqual(1);
  }
}

function run(o: SessionOptions, ops: Op[]): void {
  const h = createHarness(o);
  const m = new Model(h, o.maxInflightQos2 ?? o.maxInflight ?? 1);
  for (const step of ops) {
    const s = h.session;
    switch (step.kind) {
      case 'publish':
        m.publish(step);
        break;
      case 'connect':
        if (s.isConnected) m.wire = [];
        s.connected(step.sessionPresent);
        if (!step.sessionPresent) {
          m.inboundAwaiting.clear();
          m.brokerQos2.clear();
          m.brokerSeen.clear();
        }
        break;
      case 'disconnect':
        s.disconnected();
        m.wire = [];
        break;
      case 'ack':
        m.ack(step.pick, step.suback);
        break;
      case 'bogusAck':
        s.handle(broker.puback(step.id));
        s.handle(broker.pubcomp(step.id));
        break;
      case 'inbound':
        m.inbound(step.qos, step.id);
        break;
      case 'pubrel':
        s.handle(broker.pubrel(step.id));
        if (s.isConnected) m.inboundAwaiting.delete(step.id);
        break;
      case 'subscribe':
        s.subscribe(step.filter, step.qos);
        break;
      case 'unsubscribe':
        s.unsubscribe(step.filter);
        break;
      case 'setMaxQos':
        s.setMaxQos(step.qos);
        break;
      case 'retransmit':
        s.retransmit();
        break;
    }
    m.absorb();
    m.checkBounds(o);
  }
  // Settle: reconnect with the session kept and let the broker answer everything.
  if (!h.session.isConnected) h.session.connected(true);
  m.absorb();
  for (let i = 0; m.wire.length > 0 && i < 10_000; i++) {
    m.ack(0, 1);
    m.absorb();
  }
  m.checkBounds(o);
  m.doneCalls.forEach((calls, n) => {
    expect(calls.length, `message ${n} completed exactly once`).toBe(1);
    const [e] = calls;
    if (e !== undefined && typeof e !== 'string') expect(e).toBeInstanceOf(MqttError);
  });
  expect(h.session.queueLength).toBe(0);
  expect(h.session.packetIds.inUse).toBe(0);
  expect(h.session.isReplaying).toBe(false);
}

describe('MqttSession model-based property', () => {
  it('completes every publish exactly once, within bounds, with valid and unambiguous packets', () => {
    fc.assert(
      fc.property(options, fc.array(op, { maxLength: 60 }), (o, ops) => run(o, ops)),
      { numRuns: 1500 },
    );
  });
});
