/**
 * The QoS 2 guard and a flow the broker abandoned (R213, R283): an aedes + Redis cluster delivered a
 * message, lost the node before its PUBREL, reused the id for another message on the next node,
 * completed that one, and then sent the first message again under the same id. Seen in
 * test/integration/cluster.redis.test.ts (q2-1219: id 61698 first on n0.1.2, then q2-2111 and
 * q2-1219 again under 61698 on n0.2.2, both completed).
 */
import { describe, expect, it } from 'vitest';
import { broker, connectedHarness, describePackets } from '../test/support/sessionHarness.js';
import type { SessionEvent } from './session.js';

const delivered = (events: readonly SessionEvent[]) =>
  events.flatMap((e) => (e.type === 'message' ? [`${e.packetId}:${Buffer.from(e.payload).toString()}`] : []));

describe('QoS 2 guard: a message whose flow the broker abandoned (R213, R283)', () => {
  it('R283: sent again under its id after the id was reused and completed, on a later connection: not delivered twice', () => {
    const h = connectedHarness();
    h.session.handle(broker.publish('cl/q2', 'q2-1219', 2, 9));
    // The node dies before its PUBREL; the session resumes elsewhere.
    h.session.disconnected();
    h.session.connected(true);
    // The cluster reuses id 9 for another message (R213: delivered), and completes it.
    h.session.handle(broker.publish('cl/q2', 'q2-2111', 2, 9));
    h.session.handle(broker.pubrel(9));
    // ...then sends the abandoned message again under id 9.
    h.session.handle(broker.publish('cl/q2', 'q2-1219', 2, 9));
    h.session.handle(broker.pubrel(9));
    expect(describePackets(h.take())).toEqual(['pubrec:9', 'pubrec:9', 'pubcomp:9', 'pubrec:9', 'pubcomp:9']);
    const events = h.takeEvents();
    expect(delivered(events)).toEqual(['9:q2-1219', '9:q2-2111']);
    expect(events).toContainEqual({ type: 'resend.ignored', packetId: 9, topic: 'cl/q2' });
    // The id is free again: the next message under it is delivered.
    h.session.handle(broker.publish('cl/q2', 'q2-3001', 2, 9));
    expect(delivered(h.takeEvents())).toEqual(['9:q2-3001']);
  });

  it('R283: the message that reused the id is still guarded once released (R211)', () => {
    const h = connectedHarness();
    h.session.handle(broker.publish('t', 'm1', 2, 9));
    h.session.disconnected();
    h.session.connected(true);
    h.session.handle(broker.publish('t', 'm2', 2, 9));
    h.session.handle(broker.pubrel(9));
    h.session.disconnected();
    h.session.connected(true);
    h.session.handle(broker.publish('t', 'm2', 2, 9));
    expect(delivered(h.takeEvents())).toEqual(['9:m1', '9:m2']);
  });

  it('R211: on the connection it was first delivered on, the abandoned message again is a new message', () => {
    const h = connectedHarness();
    // Reused before PUBREL on one connection (R213), then the first message again on it: the
    // standard lets the client tell that apart from a new message by nothing.
    h.session.handle(broker.publish('t', 'm1', 2, 9));
    h.session.handle(broker.publish('t', 'm2', 2, 9));
    h.session.handle(broker.pubrel(9));
    h.session.handle(broker.publish('t', 'm1', 2, 9));
    expect(delivered(h.takeEvents())).toEqual(['9:m1', '9:m2', '9:m1']);
  });

  it('R212: with the guard off (qos2Memory: 0) nothing is remembered, as before', () => {
    const h = connectedHarness({ qos2Memory: 0 });
    h.session.handle(broker.publish('t', 'm1', 2, 9));
    h.session.disconnected();
    h.session.connected(true);
    h.session.handle(broker.publish('t', 'm1', 2, 9));
    h.session.handle(broker.pubrel(9));
    h.session.handle(broker.publish('t', 'm1', 2, 9));
    expect(delivered(h.takeEvents())).toEqual(['9:m1', '9:m1']);
  });
});
