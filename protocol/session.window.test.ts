/**
 * The per-QoS windows (spec R160-R162): QoS 1 and 2 share `maxInflight`, QoS 2 also has
 * `maxInflightQos2` (default 20, for a stock mosquitto) and no PUBLISH of either QoS goes while it
 * is full, and a QoS 2 message waiting for its window holds back what was published after it.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { broker, connectedHarness, describePackets, publishes } from '../test/support/sessionHarness.js';
import { DEFAULT_SESSION_OPTIONS, MONGOOSE_SESSION_OPTIONS, resolveSessionOptions } from './session.js';

describe('per-QoS windows (R160)', () => {
  it('R160: the defaults let 1,000 QoS 1 messages fly while QoS 2 keeps a window of 20', () => {
    expect(DEFAULT_SESSION_OPTIONS.maxInflight).toBe(1000);
    expect(DEFAULT_SESSION_OPTIONS.maxInflightQos2).toBe(20);
    const h = connectedHarness();
    for (let i = 0; i < 1000; i++) expect(h.session.publish('q1', '', 1, false).disposition).toBe('sent');
    expect(h.session.windowCount).toBe(1000);
    expect(h.session.windowQos2Count).toBe(0);
    expect(publishes(h.take())).toHaveLength(1000);

    const q2 = connectedHarness();
    const dispositions = Array.from({ length: 30 }, () => q2.session.publish('q2', '', 2, false).disposition);
    expect(dispositions.filter((d) => d === 'sent')).toHaveLength(20);
    expect(q2.session.windowQos2Count).toBe(20);
    expect(publishes(q2.take())).toHaveLength(20);
  });

  it('R160: a QoS 2 slot is held from PUBLISH to PUBCOMP, PUBREC included', () => {
    const h = connectedHarness({ maxInflightQos2: 2 });
    const [a, b] = ['a', 'b', 'c'].map((t) => h.session.publish(t, '', 2, false).packetId);
    expect(describePackets(h.take())).toEqual([`publish:${a}:a`, `publish:${b}:b`]);
    h.session.handle(broker.pubrec(a as number));
    expect(describePackets(h.take())).toEqual([`pubrel:${a}`]);
    expect(h.session.windowQos2Count).toBe(2);
    h.session.handle(broker.pubcomp(a as number));
    expect(describePackets(h.take())).toEqual(['publish:3:c']);
    expect(h.session.windowQos2Count).toBe(2);
    expect(h.session.windowCount).toBe(2);
  });

  it('R160: QoS 1 messages use the slots QoS 2 may not, up to maxInflight', () => {
    const h = connectedHarness({ maxInflight: 4, maxInflightQos2: 2 });
    expect(h.session.publish('x', '', 2, false).disposition).toBe('sent');
    for (const t of ['p', 'q', 'r']) expect(h.session.publish(t, '', 1, false).disposition).toBe('sent');
    expect(h.session.publish('s', '', 1, false).disposition).toBe('queued');
    expect(h.session.windowCount).toBe(4);
    expect(h.session.windowQos2Count).toBe(1);
    h.session.handle(broker.puback(2));
    expect(describePackets(h.take()).slice(-1)).toEqual(['publish:5:s']);
  });

  it('R160, R227: while the QoS 2 window is full no QoS 1 PUBLISH goes either (a stock mosquitto would discard it)', () => {
    // The soak's loss: 20 QoS 2 awaiting PUBREL use up mosquitto's receive quota, and the QoS 1
    // PUBLISH written next was acknowledged and discarded.
    const h = connectedHarness();
    for (let i = 0; i < 20; i++) {
      expect(h.session.publish('q1', '', 1, false).disposition).toBe('sent');
      expect(h.session.publish('q2', '', 2, false).disposition).toBe('sent');
    }
    expect(h.session.windowQos2Count).toBe(20);
    expect(h.session.publish('late', '', 1, false).disposition).toBe('queued');
    const ids = publishes(h.take())
      .filter((p) => p.qos === 2)
      .map((p) => p.messageId as number);
    expect(ids).toHaveLength(20);
    // PUBREC is not enough (the broker frees its quota at PUBREL, the window at PUBCOMP) ...
    h.session.handle(broker.pubrec(ids[0] as number));
    expect(describePackets(h.take())).toEqual([`pubrel:${ids[0]}`]);
    // ... PUBCOMP is.
    h.session.handle(broker.pubcomp(ids[0] as number));
    expect(describePackets(h.take())).toEqual(['publish:41:late']);
  });

  it('R160 with R244: a QoS 2 publish the broker refused at PUBREC frees its QoS 2 slot', () => {
    const h = connectedHarness({ maxInflightQos2: 2 });
    const ids = ['a', 'b'].map((t) => h.session.publish(t, '', 2, false, () => {}).packetId as number);
    for (const id of ids) h.session.handle({ cmd: 'pubrec', messageId: id, reasonCode: 0x97 });
    expect(h.session.windowQos2Count).toBe(0);
    h.take();
    // Neither QoS waits for slots nobody holds.
    expect(h.session.publish('c', '', 1, false).disposition).toBe('sent');
    expect(h.session.publish('d', '', 2, false).disposition).toBe('sent');
  });

  it('R161: a QoS 2 message waiting for its window holds back the QoS 1 messages published after it', () => {
    const h = connectedHarness({ maxInflightQos2: 2 });
    h.session.publish('first', '', 2, false);
    h.session.publish('second', '', 1, false);
    h.session.publish('third', '', 2, false);
    expect(h.session.publish('fourth', '', 2, false).disposition).toBe('queued');
    // Room in the whole window, but `fourth` is ahead: publish order is kept.
    expect(h.session.publish('fifth', '', 1, false).disposition).toBe('queued');
    expect(describePackets(h.take())).toEqual(['publish:1:first', 'publish:2:second', 'publish:3:third']);
    h.session.handle(broker.pubrec(1));
    h.session.handle(broker.pubcomp(1));
    expect(describePackets(h.take())).toEqual(['pubrel:1', 'publish:4:fourth']);
    h.session.handle(broker.pubrec(3));
    h.session.handle(broker.pubcomp(3));
    expect(describePackets(h.take())).toEqual(['pubrel:3', 'publish:5:fifth']);
  });

  it('R162: maxInflight alone sets both windows, as before there were two; maxInflightQos2 is checked', () => {
    expect(resolveSessionOptions({ maxInflight: 64 }).maxInflightQos2).toBe(64);
    expect(resolveSessionOptions({ maxInflight: 64, maxInflightQos2: 5 }).maxInflightQos2).toBe(5);
    expect(resolveSessionOptions({ maxQueueLength: 5 }).maxInflightQos2).toBe(20);
    expect(resolveSessionOptions(MONGOOSE_SESSION_OPTIONS)).toMatchObject({
      maxInflight: 1,
      maxInflightQos2: 1,
    });
    expect(() => resolveSessionOptions({ maxInflightQos2: 0 })).toThrow(ConfigError);
    // Stop-and-wait stays stop-and-wait for both QoS.
    const h = connectedHarness({ maxInflight: 1 });
    h.session.publish('a', '', 1, false);
    expect(h.session.publish('b', '', 1, false).disposition).toBe('queued');
  });

  it('R161: after a reconnect the replay fills both windows in publish order', () => {
    const h = connectedHarness({ maxInflight: 3, maxInflightQos2: 2 });
    h.session.disconnected();
    for (const [t, q] of [
      ['a', 2],
      ['b', 1],
      ['c', 2],
      ['d', 1],
    ] as const)
      h.session.publish(t, '', q, false);
    h.take();
    h.session.connected(true);
    // `a` and `c` fill the QoS 2 window, `b` a QoS 1 slot, and `d` waits for the QoS 2 window (R160).
    expect(publishes(h.take()).map((p) => p.topic)).toEqual(['a', 'b', 'c']);
    h.session.handle(broker.puback(2));
    expect(publishes(h.take())).toEqual([]);
    h.session.handle(broker.pubrec(1));
    h.session.handle(broker.pubcomp(1));
    expect(publishes(h.take()).map((p) => p.topic)).toEqual(['d']);
  });
});
