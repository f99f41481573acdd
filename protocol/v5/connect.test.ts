/** The MQTT 5 CONNECT/CONNACK exchange helpers (spec R151, R152). */
import fc from 'fast-check';
import * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, InvalidTopicError, ProtocolViolationError } from '../../errors.js';
import {
  decodeV5,
  mqttParse,
  plain,
  someProperties,
  text,
  toMqttProps,
  topicName,
  userProperties,
} from '../../test/support/mqtt5.js';
import { MAX_PACKET_BYTES } from '../decoder.js';
import { type ConnackTerms, readConnackV5, type SentConnectV5, sentConnectOf } from './connack.js';
import { buildConnectV5, encodeConnectOptionsV5, type V5ConnectOptions } from './connect.js';
import type { V5Connack } from './packets.js';

const SENT: SentConnectV5 = { clientId: 'c', clean: false, keepalive: 30 };
const connack = (
  properties?: V5Connack['properties'],
  reasonCode = 0,
  sessionPresent = false,
): V5Connack => ({
  cmd: 'connack',
  sessionPresent,
  reasonCode,
  ...(properties === undefined ? {} : { properties }),
});

describe('buildConnectV5 (R151)', () => {
  it('defaults: empty client id (the server assigns one), Clean Start, keep alive 60, no properties', () => {
    expect(buildConnectV5({})).toEqual({ clientId: '', clean: true, keepalive: 60 });
    const [parsed] = mqttParse(encodeConnectOptionsV5({})) as mqtt.IConnectPacket[];
    expect({ v: parsed?.protocolVersion, id: parsed?.clientId, props: parsed?.properties }).toEqual({
      v: 5,
      id: '',
      props: undefined,
    });
  });

  it('what it builds from any valid options, mqtt-packet parses back to those options', () => {
    const options: fc.Arbitrary<V5ConnectOptions> = fc.record(
      {
        clientId: text(8),
        clean: fc.boolean(),
        keepAliveSec: fc.integer({ min: 0, max: 0xffff }),
        username: text(6),
        password: fc.uint8Array({ maxLength: 6 }),
        sessionExpiryInterval: fc.integer({ min: 0, max: 0xffff_ffff }),
        receiveMaximum: fc.integer({ min: 1, max: 0xffff }),
        maximumPacketSize: fc.integer({ min: 1, max: 0xffff_ffff }),
        topicAliasMaximum: fc.integer({ min: 0, max: 0xffff }),
        requestResponseInformation: fc.boolean(),
        requestProblemInformation: fc.boolean(),
        userProperties: userProperties.filter((p) => p.length > 0),
        authentication: fc.record(
          { method: text(6), data: fc.uint8Array({ maxLength: 4 }) },
          { requiredKeys: ['method'] },
        ),
        will: fc.record({
          topic: topicName,
          payload: text(6),
          qos: fc.constantFrom(0 as const, 1 as const, 2 as const),
          retain: fc.boolean(),
          properties: someProperties([
            'willDelayInterval',
            'payloadFormatIndicator',
            'contentType',
            'userProperties',
          ]),
        }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(options, (o) => {
        const [parsed] = mqttParse(encodeConnectOptionsV5(o)) as mqtt.IConnectPacket[];
        const props = parsed?.properties ?? {};
        expect(
          plain({
            clientId: parsed?.clientId,
            clean: parsed?.clean,
            keepalive: parsed?.keepalive,
            username: parsed?.username,
            password: parsed?.password,
            sessionExpiryInterval: props.sessionExpiryInterval,
            receiveMaximum: props.receiveMaximum,
            maximumPacketSize: props.maximumPacketSize,
            topicAliasMaximum: props.topicAliasMaximum,
            requestResponseInformation: props.requestResponseInformation,
            requestProblemInformation: props.requestProblemInformation,
            userProperties: props.userProperties,
            method: props.authenticationMethod,
            data: props.authenticationData,
            will:
              parsed?.will === undefined ? undefined : { ...parsed.will, properties: parsed.will.properties },
          }),
        ).toEqual(
          plain({
            clientId: o.clientId ?? '',
            clean: o.clean ?? true,
            keepalive: o.keepAliveSec ?? 60,
            username: o.username,
            password: o.password,
            sessionExpiryInterval: o.sessionExpiryInterval,
            receiveMaximum: o.receiveMaximum,
            maximumPacketSize: o.maximumPacketSize,
            topicAliasMaximum: o.topicAliasMaximum,
            requestResponseInformation: o.requestResponseInformation,
            requestProblemInformation: o.requestProblemInformation,
            userProperties:
              o.userProperties === undefined
                ? undefined
                : toMqttProps({ userProperties: o.userProperties }).userProperties,
            method: o.authentication?.method,
            data: o.authentication?.data,
            will:
              o.will === undefined
                ? undefined
                : {
                    topic: o.will.topic,
                    payload: Buffer.from(o.will.payload as string),
                    qos: o.will.qos,
                    retain: o.will.retain,
                    properties:
                      Object.keys(o.will.properties ?? {}).length === 0
                        ? undefined
                        : toMqttProps(o.will.properties ?? {}),
                  },
          }),
        );
      }),
      { numRuns: 200 },
    );
  });

  it.each<[string, V5ConnectOptions, RegExp]>([
    ['keep alive over 65535', { keepAliveSec: 65_536 }, /keepAliveSec must be an integer from 0 to 65535/],
    ['Receive Maximum 0', { receiveMaximum: 0 }, /receiveMaximum must be an integer from 1 to 65535/],
    ['Maximum Packet Size 0', { maximumPacketSize: 0 }, /maximumPacketSize must be an integer from 1/],
    ['a negative Session Expiry Interval', { sessionExpiryInterval: -1 }, /sessionExpiryInterval/],
    ['a fractional Topic Alias Maximum', { topicAliasMaximum: 1.5 }, /topicAliasMaximum/],
    ['U+0000 in the user name', { username: 'a\u0000' }, /username must not contain U\+0000/],
    [
      'a lone surrogate in a user property',
      { userProperties: [['k', '\ud800']] },
      /userProperties value contains a lone surrogate/,
    ],
    ['a will QoS of 3', { will: { topic: 't', payload: '', qos: 3 as never } }, /will.qos must be 0, 1 or 2/],
    [
      'a will that says UTF-8 and is not',
      { will: { topic: 't', payload: Uint8Array.of(0xff), properties: { payloadFormatIndicator: true } } },
      /not UTF-8/,
    ],
  ])('refuses %s', (_name, options, message) => {
    expect(() => buildConnectV5(options)).toThrow(InvalidArgumentError);
    expect(() => buildConnectV5(options)).toThrow(message);
  });

  it('refuses a will topic or will Response Topic with a wildcard', () => {
    expect(() => buildConnectV5({ will: { topic: 'a/#', payload: '' } })).toThrow(InvalidTopicError);
    expect(() =>
      buildConnectV5({ will: { topic: 'a', payload: '', properties: { responseTopic: '+' } } }),
    ).toThrow(InvalidTopicError);
  });

  it('keeps private copies of the password and authentication data', () => {
    const data = Uint8Array.of(1);
    const packet = buildConnectV5({ password: data, authentication: { method: 'm', data } });
    data[0] = 9;
    expect(Array.from(packet.password ?? [])).toEqual([1]);
    expect(Array.from(packet.properties?.authenticationData ?? [])).toEqual([1]);
  });
});

describe('readConnackV5 (R152)', () => {
  it('fills in the defaults of 3.2.2.3 when the broker says nothing', () => {
    expect(readConnackV5(connack(), SENT)).toEqual({
      accepted: true,
      reasonCode: 0,
      reasonName: 'Success',
      sessionPresent: false,
      clientId: 'c',
      clientIdAssigned: false,
      keepAliveSec: 30,
      sessionExpiryInterval: 0,
      receiveMaximum: 65_535,
      maximumQoS: 2,
      retainAvailable: true,
      maximumPacketSize: MAX_PACKET_BYTES,
      topicAliasMaximum: 0,
      wildcardSubscriptionAvailable: true,
      subscriptionIdentifiersAvailable: true,
      sharedSubscriptionAvailable: true,
      userProperties: [],
    } satisfies ConnackTerms);
  });

  it("the broker's word replaces the client's: Server Keep Alive, Session Expiry, Assigned Client Identifier", () => {
    const terms = readConnackV5(
      connack({ serverKeepAlive: 5, sessionExpiryInterval: 10, assignedClientIdentifier: 'auto-1' }),
      { ...SENT, clientId: '', sessionExpiryInterval: 3600 },
    ) as ConnackTerms;
    expect([terms.keepAliveSec, terms.sessionExpiryInterval, terms.clientId, terms.clientIdAssigned]).toEqual(
      [5, 10, 'auto-1', true],
    );
    const kept = readConnackV5(connack(), { ...SENT, sessionExpiryInterval: 3600 }) as ConnackTerms;
    expect(kept.sessionExpiryInterval).toBe(3600);
  });

  it('names a refusal and keeps its Server Reference', () => {
    const terms = readConnackV5(
      connack({ serverReference: 'other:1883', reasonString: 'moved' }, 0x9d),
      SENT,
    ) as ConnackTerms;
    expect([terms.accepted, terms.reasonName, terms.serverReference, terms.reasonString]).toEqual([
      false,
      'Server moved',
      'other:1883',
      'moved',
    ]);
    expect((readConnackV5(connack(undefined, 0x86), SENT) as ConnackTerms).reasonName).toBe(
      'Bad User Name or Password',
    );
  });

  it.each<[string, V5Connack, SentConnectV5, RegExp]>([
    [
      'session present answering Clean Start [MQTT-3.2.2-2]',
      connack(undefined, 0, true),
      { ...SENT, clean: true },
      /session present 0/,
    ],
    [
      'no Assigned Client Identifier answering an empty one',
      connack(),
      { ...SENT, clientId: '' },
      /must assign one/,
    ],
    [
      'another Authentication Method',
      connack({ authenticationMethod: 'B' }),
      { ...SENT, authenticationMethod: 'A' },
      /Authentication Method differs/,
    ],
    [
      'an Authentication Method nobody asked for',
      connack({ authenticationMethod: 'B' }),
      SENT,
      /Authentication Method differs/,
    ],
  ])('refuses %s as a protocol error', (_name, packet, sent, message) => {
    const result = readConnackV5(packet, sent);
    expect(result).toBeInstanceOf(ProtocolViolationError);
    expect((result as ProtocolViolationError).reasonCode).toBe(0x82);
    expect((result as ProtocolViolationError).message).toMatch(message);
  });

  it('end to end: any CONNACK mqtt-packet generates reads as its properties over the defaults', () => {
    const props = someProperties([
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
    ]);
    fc.assert(
      fc.property(props, fc.boolean(), (p, present) => {
        const bytes = mqtt.generate(
          {
            cmd: 'connack',
            sessionPresent: present,
            reasonCode: 0,
            properties: toMqttProps(p),
          } as mqtt.Packet,
          {
            protocolVersion: 5,
          },
        );
        const [event] = decodeV5(new Uint8Array(bytes));
        if (event === undefined || !('packet' in event) || event.packet.cmd !== 'connack')
          throw new Error('not a CONNACK');
        const terms = readConnackV5(
          event.packet,
          sentConnectOf({ clientId: 'me', clean: false, keepalive: 60 }),
        ) as ConnackTerms;
        expect(plain(terms)).toEqual(
          plain({
            accepted: true,
            reasonCode: 0,
            reasonName: 'Success',
            sessionPresent: present,
            clientId: p.assignedClientIdentifier ?? 'me',
            clientIdAssigned: p.assignedClientIdentifier !== undefined,
            keepAliveSec: p.serverKeepAlive ?? 60,
            sessionExpiryInterval: p.sessionExpiryInterval ?? 0,
            receiveMaximum: p.receiveMaximum ?? 65_535,
            maximumQoS: p.maximumQoS ?? 2,
            retainAvailable: p.retainAvailable ?? true,
            maximumPacketSize: p.maximumPacketSize ?? MAX_PACKET_BYTES,
            topicAliasMaximum: p.topicAliasMaximum ?? 0,
            wildcardSubscriptionAvailable: p.wildcardSubscriptionAvailable ?? true,
            subscriptionIdentifiersAvailable: p.subscriptionIdentifiersAvailable ?? true,
            sharedSubscriptionAvailable: p.sharedSubscriptionAvailable ?? true,
            userProperties: p.userProperties ?? [],
            reasonString: p.reasonString,
            responseInformation: p.responseInformation,
            serverReference: p.serverReference,
          }),
        );
      }),
      { numRuns: 200 },
    );
  });
});
