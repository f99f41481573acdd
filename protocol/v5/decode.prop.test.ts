/**
 * The MQTT 5 decoder cross-checked against mqtt-packet's generator (protocolVersion 5): what
 * mqtt-packet generates, we decode to the same packet (spec R148); and the decoder on arbitrary
 * and damaged input (R146, R149).
 */
import { createRequire } from 'node:module';
import fc from 'fast-check';
import * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { ProtocolViolationError, SizeLimitError } from '../../errors.js';
import {
  ACK_PROPS,
  CONNACK_PROPERTIES,
  decodeV5,
  expectWellFormed,
  messageId,
  PUBLISH_PROPS,
  plain,
  propsField,
  qos,
  serverCodes,
  someProperties,
  text,
  toMqttProps,
  topicName,
  type V5Event,
} from '../../test/support/mqtt5.js';
import { disconnectReasonFor } from './decoder.js';
import type { V5InboundPacket } from './packets.js';
import type { ReasonPacket } from './reasonCodes.js';

const require = createRequire(import.meta.url);

/** Server packets in our shape, each with its mqtt-packet twin to generate it from. */
const serverPacket: fc.Arbitrary<{ ours: V5InboundPacket; theirs: mqtt.Packet }> = fc.oneof(
  fc
    .record({
      sessionPresent: fc.boolean(),
      reasonCode: fc.constantFrom(...serverCodes('CONNACK')),
      properties: someProperties([...CONNACK_PROPERTIES, 'authenticationMethod', 'authenticationData']),
    })
    .map(({ sessionPresent, reasonCode, properties }) => {
      const present = sessionPresent && reasonCode < 0x80;
      return {
        ours: { cmd: 'connack' as const, sessionPresent: present, reasonCode, ...propsField(properties) },
        theirs: {
          cmd: 'connack',
          sessionPresent: present,
          reasonCode,
          properties: toMqttProps(properties),
        } as mqtt.Packet,
      };
    }),
  fc
    .record({
      topic: topicName,
      payload: fc.uint8Array({ maxLength: 30 }),
      qos,
      dup: fc.boolean(),
      retain: fc.boolean(),
      messageId,
      properties: someProperties([...PUBLISH_PROPS, 'subscriptionIdentifier']),
    })
    .map((p) => {
      const head = { topic: p.topic, qos: p.qos, dup: p.qos > 0 && p.dup, retain: p.retain };
      const id = p.qos > 0 ? { messageId: p.messageId } : {};
      return {
        ours: { cmd: 'publish' as const, ...head, payload: p.payload, ...id, ...propsField(p.properties) },
        theirs: {
          cmd: 'publish',
          ...head,
          ...id,
          payload: Buffer.from(p.payload),
          properties: toMqttProps(p.properties),
        } as mqtt.Packet,
      };
    }),
  fc
    .record({
      cmd: fc.constantFrom('puback' as const, 'pubrec' as const, 'pubrel' as const, 'pubcomp' as const),
      messageId,
      pick: fc.nat(),
      properties: someProperties(ACK_PROPS),
    })
    .map(({ cmd, messageId: id, pick, properties }) => {
      const codes = cmd === 'pubrel' || cmd === 'pubcomp' ? [0x00, 0x92] : serverCodes('PUBACK');
      const reasonCode = codes[pick % codes.length] as number;
      return {
        ours: { cmd, messageId: id, reasonCode, ...propsField(properties) },
        theirs: { cmd, messageId: id, reasonCode, properties: toMqttProps(properties) } as mqtt.Packet,
      };
    }),
  fc
    .record({
      cmd: fc.constantFrom('suback' as const, 'unsuback' as const),
      messageId,
      picks: fc.array(fc.nat(), { minLength: 1, maxLength: 5 }),
      properties: someProperties(ACK_PROPS),
    })
    .map(({ cmd, messageId: id, picks, properties }) => {
      const codes = serverCodes(cmd === 'suback' ? 'SUBACK' : 'UNSUBACK');
      const reasonCodes = picks.map((n) => codes[n % codes.length] as number);
      return {
        ours: { cmd, messageId: id, reasonCodes, ...propsField(properties) },
        theirs: {
          cmd,
          messageId: id,
          granted: reasonCodes,
          properties: toMqttProps(properties),
        } as mqtt.Packet,
      };
    }),
  fc
    .record({
      reasonCode: fc.constantFrom(...serverCodes('DISCONNECT')),
      properties: someProperties(['reasonString', 'userProperties', 'serverReference']),
    })
    .map(({ reasonCode, properties }) => ({
      ours: { cmd: 'disconnect' as const, reasonCode, ...propsField(properties) },
      theirs: { cmd: 'disconnect', reasonCode, properties: toMqttProps(properties) } as mqtt.Packet,
    })),
  fc
    .record({
      reasonCode: fc.constantFrom(...serverCodes('AUTH')),
      method: text(),
      properties: someProperties(['authenticationData', 'reasonString', 'userProperties']),
    })
    .map(({ reasonCode, method, properties }) => {
      const props = { authenticationMethod: method, ...properties };
      return {
        ours: { cmd: 'auth' as const, reasonCode, ...propsField(props) },
        theirs: { cmd: 'auth', reasonCode, properties: toMqttProps(props) } as mqtt.Packet,
      };
    }),
  fc.constant({ ours: { cmd: 'pingresp' as const }, theirs: { cmd: 'pingresp' } as mqtt.Packet }),
);

const chunkSizes = fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 6 });

/** A stream of valid server packets generated by mqtt-packet. */
const validStream = fc.array(serverPacket, { minLength: 1, maxLength: 8 }).map((packets) => {
  const encoded = packets.map((p) => mqtt.generate(p.theirs, { protocolVersion: 5 }));
  const ends: number[] = [];
  let total = 0;
  for (const e of encoded) {
    total += e.length;
    ends.push(total);
  }
  return { packets: packets.map((p) => p.ours), stream: new Uint8Array(Buffer.concat(encoded)), ends };
});

describe('what mqtt-packet generates, we decode to the same packet (R148)', () => {
  it('every server packet, whatever the chunking', () => {
    fc.assert(
      fc.property(validStream, chunkSizes, ({ packets, stream }, sizes) => {
        expect(plain(decodeV5(stream, sizes))).toEqual(plain(packets.map((packet) => ({ packet }))));
      }),
      { numRuns: 400 },
    );
  });
});

/** The reason code an event's error asks the client to send. */
const reasonOf = (e: V5Event): number | undefined =>
  'error' in e ? disconnectReasonFor(e.error) : undefined;

describe('malformed input is refused with the right reason code (R149)', () => {
  it('R146: arbitrary bytes: never a throw, at most one error and last, chunking-independent, a typed error', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 120 }),
        chunkSizes,
        fc.integer({ min: 2, max: 200 }),
        (b, sizes, max) => {
          const events = decodeV5(b, sizes, max);
          expectWellFormed(events);
          expect(plain(events)).toEqual(plain(decodeV5(b, [], max)));
          for (const e of events) {
            if (!('error' in e)) continue;
            expect(e.error instanceof ProtocolViolationError || e.error instanceof SizeLimitError).toBe(true);
            expect([0x81, 0x82, 0x94, 0x95]).toContain(reasonOf(e));
          }
        },
      ),
      { numRuns: 600 },
    );
  });

  it('R146: a damaged valid stream keeps the packets before the damage', () => {
    fc.assert(
      fc.property(
        validStream,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        chunkSizes,
        (valid, at, xor, sizes) => {
          const stream = Uint8Array.from(valid.stream);
          const i = at % stream.length;
          stream[i] = (stream[i] as number) ^ xor;
          const events = decodeV5(stream, sizes);
          expectWellFormed(events);
          const intact = valid.ends.filter((end) => end <= i).length;
          expect(plain(events.slice(0, intact))).toEqual(
            plain(valid.packets.slice(0, intact).map((packet) => ({ packet }))),
          );
        },
      ),
      { numRuns: 400 },
    );
  });

  it('every reason code byte in every server packet: accepted exactly when its table lists it (R141)', () => {
    // mqtt-packet's own lists, less the codes only a client sends (0x04 in DISCONNECT, 0x19 in AUTH).
    const constants = require('mqtt-packet/constants.js') as Record<string, Record<number, string>>;
    const theirs: [ReasonPacket, number[], (code: number) => number[]][] = [
      [
        'PUBACK',
        Object.keys(constants.MQTT5_PUBACK_PUBREC_CODES ?? {}).map(Number),
        (c) => [0x40, 3, 0, 1, c],
      ],
      [
        'PUBCOMP',
        Object.keys(constants.MQTT5_PUBREL_PUBCOMP_CODES ?? {}).map(Number),
        (c) => [0x70, 3, 0, 1, c],
      ],
      ['SUBACK', Object.keys(constants.MQTT5_SUBACK_CODES ?? {}).map(Number), (c) => [0x90, 4, 0, 1, 0, c]],
      [
        'UNSUBACK',
        Object.keys(constants.MQTT5_UNSUBACK_CODES ?? {}).map(Number),
        (c) => [0xb0, 4, 0, 1, 0, c],
      ],
      [
        'DISCONNECT',
        Object.keys(constants.MQTT5_DISCONNECT_CODES ?? {})
          .map(Number)
          .filter((c) => c !== 0x04),
        (c) => [0xe0, 1, c],
      ],
      ['AUTH', [0x00, 0x18], (c) => [0xf0, 8, c, 6, 0x15, 0, 3, 0x61, 0x62, 0x63]],
    ];
    for (const [packet, allowed, bytes] of theirs) {
      for (let code = 0; code < 256; code++) {
        const [event] = decodeV5(Uint8Array.from(bytes(code)));
        const accepted = event !== undefined && 'packet' in event;
        expect({ packet, code, accepted }).toEqual({ packet, code, accepted: allowed.includes(code) });
        if (!accepted && event !== undefined) expect(reasonOf(event)).toBe(0x82);
      }
    }
  });
});
