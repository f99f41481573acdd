/** Reading an MQTT 5 CONNACK into the broker's terms (spec R152). */
import fc from 'fast-check';
import * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { ProtocolViolationError } from '../../errors.js';
import {
  CONNACK_PROPERTIES,
  decodeV5,
  plain,
  someProperties,
  toMqttProps,
} from '../../test/support/mqtt5.js';
import { MAX_PACKET_BYTES } from '../decoder.js';
import { type ConnackTerms, readConnackV5, type SentConnectV5, sentConnectOf } from './connack.js';
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
    const props = someProperties(CONNACK_PROPERTIES);
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
