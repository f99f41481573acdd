import { describe, expect, it, vi } from 'vitest';
import {
  broker,
  connectedHarness,
  createHarness,
  describePackets,
  publishes,
} from '../test/support/sessionHarness.js';

describe('MqttSession: inbound', () => {
  it('delivers QoS 0 without an ack and acks every QoS 1, matched or not', () => {
    const h = connectedHarness();
    h.session.handle(broker.publish('x', 'a', 0));
    h.session.handle(broker.publish('nobody/listens', 'b', 1, 5));
    expect(describePackets(h.take())).toEqual(['puback:5']);
    const events = h.takeEvents();
    expect(
      events.map((e) => e.type === 'message' && [e.topic, e.qos, Buffer.from(e.payload).toString()]),
    ).toEqual([
      ['x', 0, 'a'],
      ['nobody/listens', 1, 'b'],
    ]);
  });

  it('delivers QoS 2 exactly once across a duplicate PUBLISH, then completes', () => {
    const h = connectedHarness();
    h.session.handle(broker.publish('q2', 'once', 2, 9));
    h.session.handle(broker.publish('q2', 'once', 2, 9, true));
    expect(describePackets(h.take())).toEqual(['pubrec:9', 'pubrec:9']);
    expect(h.takeEvents()).toHaveLength(1);
    h.session.handle(broker.pubrel(9));
    expect(describePackets(h.take())).toEqual(['pubcomp:9']);
    h.session.handle(broker.publish('q2', 'again', 2, 9));
    expect(h.takeEvents()).toHaveLength(1);
  });

  it('keeps inbound QoS 2 state across a reconnect with the session, forgets it without', () => {
    const h = connectedHarness();
    h.session.handle(broker.publish('q2', 'm', 2, 4));
    h.session.disconnected();
    h.session.connected(true);
    h.takeEvents();
    h.session.handle(broker.publish('q2', 'm', 2, 4, true));
    expect(h.takeEvents()).toEqual([]);
    h.session.disconnected();
    h.session.connected(false);
    h.takeEvents();
    h.session.handle(broker.publish('q2', 'new', 2, 4));
    expect(h.takeEvents()).toHaveLength(1);
  });

  it('answers PUBREL for an unknown id with PUBCOMP; ignores packets while disconnected', () => {
    const h = connectedHarness();
    h.session.handle(broker.pubrel(300));
    expect(describePackets(h.take())).toEqual(['pubcomp:300']);
    h.session.disconnected();
    h.session.handle(broker.publish('x', 'late', 1, 3));
    expect(h.take()).toEqual([]);
    expect(h.takeEvents()).toEqual([]);
  });
});

describe('MqttSession: DUP flag', () => {
  it('first send of an offline-queued message has DUP=0; a re-send after disconnect has DUP=1', () => {
    const h = createHarness();
    const offline = h.session.publish('t', 'queued', 1, false);
    expect(offline.disposition).toBe('queued');
    h.session.connected(false);
    const [first] = publishes(h.take());
    expect(first).toMatchObject({ messageId: offline.packetId, dup: false });
    h.session.disconnected();
    h.session.connected(true);
    const [again] = publishes(h.take());
    expect(again).toMatchObject({ messageId: offline.packetId, dup: true });
  });

  it('retransmit() re-sends in-flight publishes with DUP=1 and PUBRELs', () => {
    const h = createHarness();
    h.session.connected(false);
    const a = h.session.publish('a', 'x', 1, false).packetId;
    const b = h.session.publish('b', 'y', 2, false).packetId;
    const c = h.session.publish('c', 'z', 2, false).packetId;
    h.session.handle(broker.pubrec(c));
    h.take();
    h.session.retransmit();
    expect(describePackets(h.take())).toEqual([`publish:${a}:dup:a`, `publish:${b}:dup:b`, `pubrel:${c}`]);
  });
});

describe('MqttSession: connected() order and replay.done', () => {
  it('emits replay.done at once when nothing is waiting', () => {
    const h = createHarness();
    h.session.connected(false);
    expect(h.events).toEqual([{ type: 'replay.done' }]);
    expect(h.session.isReplaying).toBe(false);
  });

  it('writes PUBREL, then SUBSCRIBEs, then the replay; replay.done after the last ack', () => {
    const h = createHarness({ maxInflight: 1 });
    h.session.subscribe('one', 2);
    h.session.subscribe('two', 0);
    h.session.connected(false);
    const x = h.session.publish('x', '1', 2, false).packetId;
    h.session.handle(broker.pubrec(x));
    h.session.disconnected();
    const a = h.session.publish('a', '1', 1, false).packetId;
    const b = h.session.publish('b', '2', 1, false).packetId;
    h.take();
    h.takeEvents();
    h.session.connected(true);
    // x holds the only window slot until its PUBCOMP (R60), so the replay of `a` waits for it.
    expect(describePackets(h.take())).toEqual([`pubrel:${x}`, 'subscribe:one@2,two@0']);
    expect(h.session.isReplaying).toBe(true);
    h.session.handle(broker.pubcomp(x));
    expect(describePackets(h.take())).toEqual([`publish:${a}:a`]);
    h.session.handle(broker.puback(a));
    expect(describePackets(h.take())).toEqual([`publish:${b}:b`]);
    expect(h.takeEvents().map((e) => e.type)).toEqual(['pubcomp', 'puback']);
    h.session.handle(broker.puback(b));
    expect(h.takeEvents().map((e) => e.type)).toEqual(['puback', 'replay.done']);
  });
});

describe('MqttSession: ordering', () => {
  it('replays queued messages before new ones across a reconnect', () => {
    const h = createHarness();
    h.session.connected(false);
    const a = h.session.publish('a', '', 1, false).packetId;
    h.session.disconnected();
    const b = h.session.publish('b', '', 1, false).packetId;
    h.take();
    h.session.connected(true);
    const c = h.session.publish('c', '', 1, false).packetId;
    expect(describePackets(publishes(h.take()))).toEqual([
      `publish:${a}:dup:a`,
      `publish:${b}:b`,
      `publish:${c}:c`,
    ]);
  });

  it('a new publish during a stop-and-wait replay queues behind it', () => {
    const h = createHarness({ maxInflight: 1 });
    const ids = ['a', 'b', 'c'].map((t) => h.session.publish(t, '', 1, false).packetId);
    h.session.connected(false);
    const late = h.session.publish('late', '', 1, false);
    expect(late.disposition).toBe('queued');
    const order: string[] = [];
    for (const id of [...ids, late.packetId]) {
      order.push(...describePackets(h.take()));
      h.session.handle(broker.puback(id));
    }
    expect(order).toEqual(['publish:1:a', 'publish:2:b', 'publish:3:c', 'publish:4:late']);
  });
});

describe('MqttSession: in-flight window', () => {
  it('replays up to maxInflight at once and refills on each ack', () => {
    const h = createHarness({ maxInflight: 3 });
    for (const t of ['a', 'b', 'c', 'd', 'e']) h.session.publish(t, '', 1, false);
    h.session.connected(false);
    expect(publishes(h.take()).map((p) => p.topic)).toEqual(['a', 'b', 'c']);
    h.session.handle(broker.puback(2));
    expect(publishes(h.take()).map((p) => p.topic)).toEqual(['d']);
    expect(h.session.inflightCount).toBe(3);
  });

  it('is stop-and-wait with maxInflight 1, also for new publishes', () => {
    const h = createHarness({ maxInflight: 1 });
    h.session.connected(false);
    expect(h.session.publish('a', '', 1, false).disposition).toBe('sent');
    expect(h.session.publish('b', '', 2, false).disposition).toBe('queued');
    expect(publishes(h.take()).map((p) => p.topic)).toEqual(['a']);
    h.session.handle(broker.puback(1));
    expect(publishes(h.take()).map((p) => p.topic)).toEqual(['b']);
    // R60: a QoS 2 message keeps its slot past PUBREC, until PUBCOMP.
    h.session.publish('c', '', 1, false);
    h.session.handle(broker.pubrec(2));
    expect(describePackets(h.take())).toEqual(['pubrel:2']);
    expect(h.session.windowCount).toBe(1);
    h.session.handle(broker.pubcomp(2));
    expect(describePackets(h.take())).toEqual(['publish:3:c']);
  });

  it('R60: with maxInflight 1, PUBLISH n+1 is written only after PUBCOMP n, never with PUBREL n', () => {
    const h = createHarness({ maxInflight: 1 });
    h.session.connected(false);
    const ids = ['a', 'b', 'c'].map((t) => h.session.publish(t, '', 2, false).packetId);
    const wire: string[][] = [describePackets(h.take())];
    for (const id of ids) {
      h.session.handle(broker.pubrec(id));
      wire.push(describePackets(h.take()));
      h.session.handle(broker.pubcomp(id));
      wire.push(describePackets(h.take()));
    }
    // Each broker packet is answered by exactly one write, and PUBREL never shares it with a PUBLISH.
    expect(wire).toEqual([
      ['publish:1:a'],
      ['pubrel:1'],
      ['publish:2:b'],
      ['pubrel:2'],
      ['publish:3:c'],
      ['pubrel:3'],
      [],
    ]);
  });

  it('R60: QoS 1 and QoS 2 share the window; a QoS 2 message past PUBREC still counts', () => {
    const h = createHarness({ maxInflight: 2 });
    h.session.connected(false);
    const q2 = h.session.publish('q2', '', 2, false).packetId;
    const q1 = h.session.publish('q1', '', 1, false).packetId;
    expect(h.session.publish('next', '', 1, false).disposition).toBe('queued');
    h.take();
    h.session.handle(broker.pubrec(q2));
    expect(describePackets(h.take())).toEqual([`pubrel:${q2}`]);
    expect(h.session.inflightCount).toBe(1);
    expect(h.session.windowCount).toBe(2);
    h.session.handle(broker.puback(q1));
    expect(publishes(h.take()).map((p) => p.topic)).toEqual(['next']);
  });
});

describe('MqttSession: max QoS', () => {
  it('with maxQos 0 a QoS 1 publish is sent as QoS 0 and never queued', () => {
    const h = createHarness({ maxQos: 0 });
    h.session.connected(false);
    const done = vi.fn();
    expect(h.session.publish('t', 'x', 1, false, done)).toEqual({
      packetId: 0,
      disposition: 'sent',
      writable: true,
    });
    expect(publishes(h.take())[0]).toMatchObject({ qos: 0, dup: false });
    expect(h.session.queueLength).toBe(0);
    expect(done).toHaveBeenCalledWith(undefined);
    h.session.disconnected();
    expect(h.session.publish('t', 'x', 2, false).disposition).toBe('dropped');
  });

  it('setMaxQos applies to later publishes and re-subscriptions, and can be raised back', () => {
    const h = createHarness();
    h.session.setMaxQos(1);
    h.session.subscribe('s', 2);
    h.session.connected(false);
    h.session.publish('p', '', 2, false);
    expect(describePackets(h.take())).toEqual(['subscribe:s@1', 'publish:2:p']);
    expect(publishes(h.written)[0]?.qos).toBe(1);
    h.session.setMaxQos(0);
    h.session.setMaxQos(2);
    expect(h.session.maxQos).toBe(2);
    h.session.publish('p', '', 2, false);
    expect(publishes(h.take())[0]?.qos).toBe(2);
    h.session.disconnected();
    h.session.connected(true);
    expect(describePackets(h.take())[0]).toBe('subscribe:s@2');
    expect(h.session.subscriptions()).toEqual([{ filter: 's', qos: 2 }]);
  });
});
