/**
 * The MQTT 5 codec cross-checked against mqtt-packet's (protocolVersion 5) in both directions
 * (spec R148), and the decoder's behaviour on arbitrary and damaged input (R149).
 */
import { createRequire } from 'node:module';
import fc from 'fast-check';
import * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { ProtocolViolationError, SizeLimitError } from '../../errors.js';
import {
  decodeV5,
  expectWellFormed,
  fromMqttProps,
  grouped,
  mqttParse,
  plain,
  someProperties,
  text,
  toMqttProps,
  topicName,
  type V5Event,
} from '../../test/support/mqtt5.js';
import { disconnectReasonFor } from './decoder.js';
import { encodeAckV5, encodeAuth, encodeDisconnectV5, encodePingreqV5, encodePublishV5 } from './encode.js';
import { encodeConnectV5 } from './encodeConnect.js';
import { encodeSubscribeV5, encodeUnsubscribeV5 } from './encodeSubscribe.js';
import type { V5InboundPacket } from './packets.js';
import type { Properties } from './properties.js';
import { REASON_CODES, type ReasonPacket } from './reasonCodes.js';

const require = createRequire(import.meta.url);
const qos = fc.constantFrom(0 as const, 1 as const, 2 as const);
const messageId = fc.integer({ min: 1, max: 0xffff });
const ACK_PROPS = ['reasonString', 'userProperties'] as const;
const PUBLISH_PROPS = [
  'payloadFormatIndicator',
  'messageExpiryInterval',
  'topicAlias',
  'responseTopic',
  'correlationData',
  'userProperties',
  'contentType',
] as const;

/** The codes a server may send in `packet`, from the table. */
const serverCodes = (packet: ReasonPacket): number[] =>
  REASON_CODES.filter((r) => {
    const sender = r.packets[packet];
    return sender === 'server' || sender === 'both';
  }).map((r) => r.code);

/** mqtt-packet properties of a parsed packet, in our shape, grouped as mqtt-packet groups them. */
function parsedProps(p: { properties?: Record<string, unknown> }): Properties | undefined {
  if (p.properties === undefined) return undefined;
  const props = fromMqttProps(p.properties);
  return props.userProperties === undefined
    ? props
    : { ...props, userProperties: grouped(props.userProperties) };
}

function withGroupedUserProps<T extends Properties | undefined>(props: T): T {
  if (props?.userProperties === undefined) return props;
  return { ...props, userProperties: grouped(props.userProperties) };
}

/** `properties` in our shape, or nothing when empty (mqtt-packet omits an empty block). */
function propsField(props: Properties | undefined): { properties?: Properties } {
  return props === undefined || Object.keys(props).length === 0
    ? {}
    : { properties: withGroupedUserProps(props) };
}

describe('what we encode, mqtt-packet parses to the same packet (R148)', () => {
  it('PUBLISH with properties', () => {
    fc.assert(
      fc.property(
        topicName,
        fc.uint8Array({ maxLength: 30 }),
        qos,
        fc.boolean(),
        fc.boolean(),
        messageId,
        someProperties(PUBLISH_PROPS),
        (topic, payload, q, retain, dup, id, props) => {
          const bytes = encodePublishV5(topic, payload, q, retain, q > 0 && dup, id, props);
          const [parsed, ...rest] = mqttParse(bytes) as mqtt.IPublishPacket[];
          expect(rest).toEqual([]);
          expect(pickPublish(parsed)).toEqual(
            plain({
              cmd: 'publish',
              topic,
              payload,
              qos: q,
              retain,
              dup: q > 0 && dup,
              ...(q > 0 ? { messageId: id } : {}),
              ...propsField(props),
            }),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('PUBACK, PUBREC, PUBREL, PUBCOMP with a reason code and properties', () => {
    const cmd = fc.constantFrom('puback' as const, 'pubrec' as const, 'pubrel' as const, 'pubcomp' as const);
    fc.assert(
      fc.property(cmd, messageId, someProperties(ACK_PROPS), fc.nat(), (c, id, props, pick) => {
        const codes = c === 'pubrel' || c === 'pubcomp' ? [0x00, 0x92] : serverCodes('PUBACK');
        const reasonCode = codes[pick % codes.length] as number;
        const [parsed] = mqttParse(encodeAckV5(c, id, reasonCode, props)) as mqtt.IPubackPacket[];
        expect(parsed?.cmd).toBe(c);
        expect(
          plain({ messageId: parsed?.messageId, reasonCode: parsed?.reasonCode, ...propsOf(parsed) }),
        ).toEqual(plain({ messageId: id, reasonCode, ...propsField(props) }));
      }),
      { numRuns: 300 },
    );
  });

  it('SUBSCRIBE with subscription options and a Subscription Identifier; UNSUBSCRIBE', () => {
    const sub = fc.record({
      filter: topicName,
      qos,
      noLocal: fc.boolean(),
      retainAsPublished: fc.boolean(),
      retainHandling: fc.constantFrom(0 as const, 1 as const, 2 as const),
    });
    const subProps = fc.record(
      {
        subscriptionIdentifier: fc.integer({ min: 1, max: 268_435_455 }),
        userProperties: someProperties(['userProperties']).map((p) => p.userProperties ?? []),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(messageId, fc.array(sub, { minLength: 1, maxLength: 4 }), subProps, (id, subs, props) => {
        const [parsed] = mqttParse(encodeSubscribeV5(id, subs, props)) as mqtt.ISubscribePacket[];
        expect(parsed?.messageId).toBe(id);
        expect(parsed?.subscriptions).toEqual(
          subs.map((s) => ({
            topic: s.filter,
            qos: s.qos,
            nl: s.noLocal,
            rap: s.retainAsPublished,
            rh: s.retainHandling,
          })),
        );
        const expected: Properties = {
          ...(props.subscriptionIdentifier === undefined
            ? {}
            : { subscriptionIdentifier: [props.subscriptionIdentifier] }),
          ...(props.userProperties === undefined || props.userProperties.length === 0
            ? {}
            : { userProperties: props.userProperties }),
        };
        expect(plain(propsOf(parsed))).toEqual(plain(propsField(expected)));
      }),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(
        messageId,
        fc.array(topicName, { minLength: 1, maxLength: 4 }),
        someProperties(['userProperties']),
        (id, filters, props) => {
          const [parsed] = mqttParse(encodeUnsubscribeV5(id, filters, props)) as mqtt.IUnsubscribePacket[];
          expect(parsed?.unsubscriptions).toEqual(filters);
          expect(plain(propsOf(parsed))).toEqual(plain(propsField(props)));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('CONNECT with properties, a will and will properties', () => {
    const will = fc.record({
      topic: topicName,
      payload: fc.uint8Array({ maxLength: 10 }),
      qos,
      retain: fc.boolean(),
      properties: someProperties([
        'willDelayInterval',
        'payloadFormatIndicator',
        'messageExpiryInterval',
        'contentType',
        'responseTopic',
        'correlationData',
        'userProperties',
      ]),
    });
    const connect = fc.record(
      {
        clientId: text(10),
        clean: fc.boolean(),
        keepalive: fc.integer({ min: 0, max: 0xffff }),
        username: text(6),
        password: fc.uint8Array({ maxLength: 6 }),
        will,
        properties: someProperties([
          'sessionExpiryInterval',
          'receiveMaximum',
          'maximumPacketSize',
          'topicAliasMaximum',
          'requestResponseInformation',
          'requestProblemInformation',
          'userProperties',
          'authenticationMethod',
          'authenticationData',
        ]),
      },
      { requiredKeys: ['clientId', 'clean', 'keepalive'] },
    );
    fc.assert(
      fc.property(connect, (packet) => {
        const [parsed] = mqttParse(encodeConnectV5(packet)) as mqtt.IConnectPacket[];
        expect(parsed?.protocolVersion).toBe(5);
        const w = packet.will;
        expect(
          plain({
            clientId: parsed?.clientId,
            clean: parsed?.clean,
            keepalive: parsed?.keepalive,
            username: parsed?.username,
            password: parsed?.password,
            ...propsOf(parsed),
            will:
              parsed?.will === undefined
                ? undefined
                : { ...parsed.will, properties: parsedProps(parsed.will as never) },
          }),
        ).toEqual(
          plain({
            clientId: packet.clientId,
            clean: packet.clean,
            keepalive: packet.keepalive,
            username: packet.username,
            password: packet.password,
            ...propsField(packet.properties),
            will:
              w === undefined
                ? undefined
                : {
                    topic: w.topic,
                    payload: w.payload,
                    qos: w.qos,
                    retain: w.retain,
                    ...propsField(w.properties),
                  },
          }),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('DISCONNECT, AUTH and PINGREQ', () => {
    const clientDisconnectCodes = REASON_CODES.filter(
      (r) => r.packets.DISCONNECT === 'client' || r.packets.DISCONNECT === 'both',
    ).map((r) => r.code);
    fc.assert(
      fc.property(
        fc.constantFrom(...clientDisconnectCodes),
        someProperties(['sessionExpiryInterval', 'reasonString', 'userProperties']),
        (reasonCode, props) => {
          const [parsed] = mqttParse(encodeDisconnectV5(reasonCode, props)) as mqtt.IDisconnectPacket[];
          expect(plain({ reasonCode: parsed?.reasonCode, ...propsOf(parsed) })).toEqual(
            plain({ reasonCode, ...propsField(props) }),
          );
        },
      ),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(
        fc.constantFrom(0x00, 0x18, 0x19),
        text(),
        someProperties(['authenticationData', 'reasonString', 'userProperties']),
        (reasonCode, method, rest) => {
          // An AUTH with a reason code carries its method [3.15.2.2.2].
          const props = { authenticationMethod: method, ...rest };
          const [parsed] = mqttParse(encodeAuth(reasonCode, props)) as mqtt.IAuthPacket[];
          expect(plain({ reasonCode: parsed?.reasonCode, ...propsOf(parsed) })).toEqual(
            plain({ reasonCode, ...propsField(props) }),
          );
        },
      ),
      { numRuns: 200 },
    );
    expect((mqttParse(encodePingreqV5()) as mqtt.Packet[])[0]?.cmd).toBe('pingreq');
  });
});

function propsOf(p: unknown): { properties?: Properties } {
  const props = parsedProps((p ?? {}) as { properties?: Record<string, unknown> });
  return props === undefined ? {} : { properties: props };
}

function pickPublish(parsed: mqtt.IPublishPacket | undefined): unknown {
  return plain({
    cmd: parsed?.cmd,
    topic: parsed?.topic,
    payload: parsed?.payload,
    qos: parsed?.qos,
    retain: parsed?.retain,
    dup: parsed?.dup,
    ...(parsed?.qos === 0 ? {} : { messageId: parsed?.messageId }),
    ...propsOf(parsed),
  });
}

/** Server packets in our shape, each with its mqtt-packet twin to generate it from. */
const serverPacket: fc.Arbitrary<{ ours: V5InboundPacket; theirs: mqtt.Packet }> = fc.oneof(
  fc
    .record({
      sessionPresent: fc.boolean(),
      reasonCode: fc.constantFrom(...serverCodes('CONNACK')),
      properties: someProperties([
        'sessionExpiryInterval',
        'receiveMaximum',
        'maximumQoS',
        'retainAvailable',
        'maximumPacketSize',
        'assignedClientIdentifier',
        'topicAliasMaximum',
        'reasonString',
        'userProperties',
        'wildcardSubscriptionAvailable',
        'subscriptionIdentifiersAvailable',
        'sharedSubscriptionAvailable',
        'serverKeepAlive',
        'responseInformation',
        'serverReference',
        'authenticationMethod',
        'authenticationData',
      ]),
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
