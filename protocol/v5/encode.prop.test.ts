/**
 * The MQTT 5 encoders cross-checked against mqtt-packet's parser (protocolVersion 5): what we
 * encode, mqtt-packet parses to the same packet (spec R148).
 */
import fc from 'fast-check';
import type * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import {
  ACK_PROPS,
  messageId,
  mqttParse,
  PUBLISH_PROPS,
  parsedProps,
  plain,
  propsField,
  propsOf,
  qos,
  serverCodes,
  someProperties,
  text,
  topicName,
} from '../../test/support/mqtt5.js';
import { encodeAckV5, encodeAuth, encodeDisconnectV5, encodePingreqV5, encodePublishV5 } from './encode.js';
import { encodeConnectV5 } from './encodeConnect.js';
import { encodeSubscribeV5, encodeUnsubscribeV5 } from './encodeSubscribe.js';
import type { Properties } from './properties.js';
import { REASON_CODES } from './reasonCodes.js';

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
