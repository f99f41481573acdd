import * as fc from 'fast-check';
import * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import {
  encodePingreq,
  encodePuback,
  encodePublish,
  encodePubrel,
  encodeTopic,
  type QoS,
} from '../encode.js';
import { encodeSubscribe, encodeUnsubscribe } from '../encodeSubscribe.js';
import { upgradeToV5 } from './upgrade.js';

/** Parses one whole packet with mqtt-packet's MQTT 5 parser. */
function parseV5(bytes: Uint8Array): mqtt.Packet {
  const parser = mqtt.parser({ protocolVersion: 5 });
  const packets: mqtt.Packet[] = [];
  parser.on('packet', (p) => packets.push(p));
  parser.on('error', (e) => {
    throw e;
  });
  expect(parser.parse(Buffer.from(bytes))).toBe(0);
  expect(packets).toHaveLength(1);
  return packets[0] as mqtt.Packet;
}

describe('upgradeToV5: the session 3.1.1 bytes on an MQTT 5 wire (R238)', () => {
  it('R238: every PUBLISH parses as the same MQTT 5 PUBLISH, any remaining length (1-3 byte varints)', () => {
    fc.assert(
      fc.property(
        fc
          .string({ minLength: 1, maxLength: 40 })
          .filter((t) => !t.includes('#') && !t.includes('+') && !t.includes(String.fromCharCode(0))),
        fc.uint8Array({ maxLength: 20_000 }),
        fc.constantFrom<QoS>(0, 1, 2),
        fc.boolean(),
        fc.integer({ min: 1, max: 65535 }),
        (topic, payload, qos, retain, id) => {
          const v4 = encodePublish(
            encodeTopic(topic),
            payload,
            qos,
            retain,
            false,
            qos > 0 ? id : 0,
            payload.length,
          );
          const p = parseV5(upgradeToV5(v4)) as mqtt.IPublishPacket;
          expect(p.cmd).toBe('publish');
          expect(p.topic).toBe(topic);
          expect(p.qos).toBe(qos);
          expect(p.retain).toBe(retain);
          expect(new Uint8Array(p.payload as Buffer)).toEqual(payload);
          if (qos > 0) expect(p.messageId).toBe(id);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('R238: SUBSCRIBE and UNSUBSCRIBE get an empty property block; their filters and QoS survive', () => {
    const sub = parseV5(
      upgradeToV5(encodeSubscribe(7, [{ filter: 'a/+/c', qos: 2 }])),
    ) as mqtt.ISubscribePacket;
    expect(sub).toMatchObject({
      cmd: 'subscribe',
      messageId: 7,
      subscriptions: [{ topic: 'a/+/c', qos: 2, nl: false, rap: false, rh: 0 }],
    });
    const unsub = parseV5(upgradeToV5(encodeUnsubscribe(8, ['a/#']))) as mqtt.IUnsubscribePacket;
    expect(unsub).toMatchObject({ cmd: 'unsubscribe', messageId: 8, unsubscriptions: ['a/#'] });
  });

  it('R238: acks and PINGREQ are the same bytes in both versions, passed through untouched', () => {
    for (const packet of [encodePuback(3), encodePubrel(4), encodePingreq()]) {
      expect(upgradeToV5(packet)).toBe(packet);
      expect(parseV5(packet).cmd).toBeDefined();
    }
    expect(parseV5(encodePuback(3))).toMatchObject({ cmd: 'puback', messageId: 3, reasonCode: 0 });
  });
});
