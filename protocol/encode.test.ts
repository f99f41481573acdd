import fc from 'fast-check';
import * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import {
  encodeDisconnect,
  encodePingreq,
  encodePuback,
  encodePubcomp,
  encodePublish,
  encodePubrec,
  encodePubrel,
  encodeTopic,
  type QoS,
  withDup,
} from './encode.js';
import { encodeSubscribe, encodeUnsubscribe } from './encodeSubscribe.js';

/** Parses bytes that must hold exactly one valid MQTT 3.1.1 packet. */
function parseOne(bytes: Uint8Array): mqtt.Packet {
  const parser = mqtt.parser({ protocolVersion: 4 });
  const packets: mqtt.Packet[] = [];
  const errors: Error[] = [];
  parser.on('packet', (p) => packets.push(p));
  parser.on('error', (e) => errors.push(e));
  const left = parser.parse(Buffer.from(bytes));
  expect(errors).toEqual([]);
  expect(left).toBe(0);
  expect(packets).toHaveLength(1);
  return packets[0] as mqtt.Packet;
}

// Topic names: any well-formed string without wildcards or U+0000 (fast-check's `string` with the
// full Unicode range may produce astral characters, which exercise the 4-byte UTF-8 path).
const topicName = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
  .filter((t) => !/[+#\0]/.test(t) && t.length > 0);
const topicFilter = fc.oneof(topicName, fc.constantFrom('#', '+', 'a/+/b', 'a/#', '+/+', '$SYS/#', '/'));
const qos = fc.constantFrom<QoS>(0, 1, 2);
const packetId = fc.integer({ min: 1, max: 0xffff });
const payload = fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 100 }));

describe('encodePublish', () => {
  it('round-trips through mqtt-packet with equal fields', () => {
    fc.assert(
      fc.property(
        topicName,
        payload,
        qos,
        fc.boolean(),
        fc.boolean(),
        packetId,
        fc.boolean(),
        (t, p, q, r, d, id, pre) => {
          const dup = q > 0 && d;
          const bytes = encodePublish(pre ? encodeTopic(t) : t, p, q, r, dup, id);
          const parsed = parseOne(bytes) as mqtt.IPublishPacket;
          expect(parsed.cmd).toBe('publish');
          expect(parsed.topic).toBe(t);
          expect(parsed.qos).toBe(q);
          expect(parsed.retain).toBe(r);
          expect(parsed.dup).toBe(dup);
          if (q > 0) expect(parsed.messageId).toBe(id);
          const expected = typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p);
          expect(Buffer.from(parsed.payload as Buffer).equals(expected)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('uses every remaining-length varint width', () => {
    for (const size of [0, 120, 127 - 7, 200, 16_000, 16_384, 2_097_152]) {
      const bytes = encodePublish('a/b', new Uint8Array(size).fill(7), 1, false, false, 9);
      const parsed = parseOne(bytes) as mqtt.IPublishPacket;
      expect((parsed.payload as Buffer).length).toBe(size);
    }
  });

  it('withDup copies and sets only the DUP bit', () => {
    const first = encodePublish('t', 'x', 2, true, false, 5);
    const again = withDup(first);
    expect(first[0]).toBe(0x35);
    expect(again[0]).toBe(0x3d);
    expect(again).not.toBe(first);
    expect((parseOne(again) as mqtt.IPublishPacket).dup).toBe(true);
  });
});

describe('acknowledgement and control packets', () => {
  it('PUBACK/PUBREC/PUBREL/PUBCOMP round-trip with their ids', () => {
    fc.assert(
      fc.property(packetId, (id) => {
        const cases = [
          [encodePuback(id), 'puback'],
          [encodePubrec(id), 'pubrec'],
          [encodePubrel(id), 'pubrel'],
          [encodePubcomp(id), 'pubcomp'],
        ] as const;
        for (const [bytes, cmd] of cases) {
          expect(bytes).toHaveLength(4);
          const parsed = parseOne(bytes);
          expect(parsed.cmd).toBe(cmd);
          expect(parsed.messageId).toBe(id);
        }
      }),
    );
    expect(encodePubrel(1)[0]).toBe(0x62);
  });

  it('PINGREQ and DISCONNECT', () => {
    expect(parseOne(encodePingreq()).cmd).toBe('pingreq');
    expect(parseOne(encodeDisconnect()).cmd).toBe('disconnect');
    expect(encodePingreq()).not.toBe(encodePingreq());
  });
});

describe('SUBSCRIBE and UNSUBSCRIBE', () => {
  it('round-trip with their filters, QoS and ids', () => {
    const sub = fc.record({ filter: topicFilter, qos });
    fc.assert(
      fc.property(packetId, fc.array(sub, { minLength: 1, maxLength: 5 }), (id, subs) => {
        const parsed = parseOne(encodeSubscribe(id, subs)) as mqtt.ISubscribePacket;
        expect(parsed.cmd).toBe('subscribe');
        expect(parsed.messageId).toBe(id);
        expect(parsed.subscriptions.map((s) => ({ filter: s.topic, qos: s.qos }))).toEqual(subs);

        const filters = subs.map((s) => s.filter);
        const un = parseOne(encodeUnsubscribe(id, filters)) as mqtt.IUnsubscribePacket;
        expect(un.cmd).toBe('unsubscribe');
        expect(un.messageId).toBe(id);
        expect(un.unsubscriptions).toEqual(filters);
      }),
      { numRuns: 200 },
    );
  });
});
