/** The MQTT 5 encoders byte by byte (spec R147): short forms, option bits, property order. */
import { describe, expect, it } from 'vitest';
import { mqttParse } from '../../test/support/mqtt5.js';
import { encodePuback } from '../encode.js';
import {
  encodeAckV5,
  encodeAuth,
  encodeDisconnectV5,
  encodePublishIntoV5,
  encodePublishV5,
  measurePublishV5,
} from './encode.js';
import { encodeConnectV5 } from './encodeConnect.js';
import { encodeSubscribeV5, encodeUnsubscribeV5, subscriptionOptions } from './encodeSubscribe.js';

const bytes = (b: Uint8Array): number[] => Array.from(b);

describe('MQTT 5 encoders (R147)', () => {
  it('acknowledgements take the shortest form: 2 bytes for success, 3 with a reason code [3.4.2.1]', () => {
    expect(bytes(encodeAckV5('puback', 0x1234))).toEqual([0x40, 2, 0x12, 0x34]);
    expect(bytes(encodeAckV5('pubrec', 1, 0x10))).toEqual([0x50, 3, 0, 1, 0x10]);
    expect(bytes(encodeAckV5('pubrel', 1))).toEqual([0x62, 2, 0, 1]);
    expect(bytes(encodeAckV5('pubcomp', 1, 0, { reasonString: 'x' }))).toEqual([
      0x70, 8, 0, 1, 0, 4, 0x1f, 0, 1, 0x78,
    ]);
    // R150: the 3.1.1 encoder is not touched: still its 4 bytes.
    expect(bytes(encodePuback(1))).toEqual([0x40, 2, 0, 1]);
  });

  it('DISCONNECT: 0 bytes for a normal disconnection, a reason code and an empty block otherwise', () => {
    expect(bytes(encodeDisconnectV5())).toEqual([0xe0, 0]);
    expect(bytes(encodeDisconnectV5(0x04))).toEqual([0xe0, 2, 0x04, 0]);
    expect(bytes(encodeDisconnectV5(0x81, { sessionExpiryInterval: 0x01020304 }))).toEqual([
      0xe0, 7, 0x81, 5, 0x11, 1, 2, 3, 4,
    ]);
  });

  it('AUTH carries its method; the empty success form is 0 bytes', () => {
    expect(bytes(encodeAuth(0))).toEqual([0xf0, 0]);
    expect(
      bytes(encodeAuth(0x18, { authenticationMethod: 'M', authenticationData: Uint8Array.of(9) })),
    ).toEqual([0xf0, 10, 0x18, 8, 0x15, 0, 1, 0x4d, 0x16, 0, 1, 9]);
  });

  it('PUBLISH writes properties in identifier order, after the packet id, before the payload', () => {
    const packet = encodePublishV5('t', 'p', 1, false, false, 5, {
      userProperties: [['a', 'b']],
      topicAlias: 2,
      payloadFormatIndicator: true,
    });
    expect(bytes(packet)).toEqual([
      0x32, 19, 0, 1, 0x74, 0, 5, 12, 0x01, 1, 0x23, 0, 2, 0x26, 0, 1, 0x61, 0, 1, 0x62, 0x70,
    ]);
  });

  it('PUBLISH writes a string payload and topic as UTF-8, measured in bytes', () => {
    const [parsed] = mqttParse(encodePublishV5('tö', 'é€', 0, false, false, 0)) as {
      topic?: string;
      payload?: Buffer;
    }[];
    expect([parsed?.topic, parsed?.payload?.toString('utf8')]).toEqual(['tö', 'é€']);
  });

  it('PUBLISH measured and written into a buffer of the caller is the packet encodePublishV5 allocates', () => {
    const props = { contentType: 'text/plain', userProperties: [['k', 'v']] as const };
    const sizes = measurePublishV5('a/b', 'héllo', 2, props);
    const buf = new Uint8Array(sizes.total + 6).fill(0xee);
    const end = encodePublishIntoV5(buf, 3, 'a/b', 'héllo', 2, true, true, 9, props, sizes);
    expect(end).toBe(3 + sizes.total);
    expect(Array.from(buf.subarray(3, end))).toEqual(
      Array.from(encodePublishV5('a/b', 'héllo', 2, true, true, 9, props)),
    );
    expect([buf[2], buf[end]]).toEqual([0xee, 0xee]);
  });

  it('PUBLISH never writes a Subscription Identifier, which only a server sends [MQTT-3.3.4-6]', () => {
    const props = { subscriptionIdentifier: [1] } as never;
    expect(bytes(encodePublishV5('t', '', 0, false, false, 0, props))).toEqual([0x30, 4, 0, 1, 0x74, 0]);
  });

  it('SUBSCRIBE options: QoS, No Local, Retain As Published, Retain Handling, reserved bits 0 [MQTT-3.8.3-5]', () => {
    expect(
      subscriptionOptions({ filter: 'a', qos: 2, noLocal: true, retainAsPublished: true, retainHandling: 2 }),
    ).toBe(0b0010_1110);
    expect(subscriptionOptions({ filter: 'a', qos: 1 })).toBe(1);
    expect(
      bytes(
        encodeSubscribeV5(3, [{ filter: 'a', qos: 1, retainHandling: 1 }], { subscriptionIdentifier: 200 }),
      ),
    ).toEqual([0x82, 10, 0, 3, 3, 0x0b, 0xc8, 0x01, 0, 1, 0x61, 0x11]);
    expect(bytes(encodeUnsubscribeV5(3, ['a']))).toEqual([0xa2, 6, 0, 3, 0, 0, 1, 0x61]);
  });

  it('CONNECT: level 5, properties after Keep Alive, will properties before the will topic [3.1.3.2]', () => {
    const packet = encodeConnectV5({
      clientId: 'c',
      clean: true,
      keepalive: 10,
      properties: { receiveMaximum: 5 },
      will: {
        topic: 'w',
        payload: Uint8Array.of(7),
        qos: 1,
        retain: true,
        properties: { willDelayInterval: 1 },
      },
    });
    expect(bytes(packet)).toEqual([
      0x10, 29, 0, 4, 0x4d, 0x51, 0x54, 0x54, 5, 0b0010_1110, 0, 10, 3, 0x21, 0, 5, 0, 1, 0x63, 5, 0x18, 0, 0,
      0, 1, 0, 1, 0x77, 0, 1, 7,
    ]);
  });
});
