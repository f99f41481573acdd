/** The MQTT 5 CONNECT/CONNACK exchange helpers (spec R151, R152). */
import fc from 'fast-check';
import type * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, InvalidTopicError } from '../../errors.js';
import {
  mqttParse,
  plain,
  someProperties,
  text,
  toMqttProps,
  topicName,
  userProperties,
} from '../../test/support/mqtt5.js';
import { buildConnectV5, encodeConnectOptionsV5, type V5ConnectOptions } from './connect.js';

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
