/**
 * The wire validator's MQTT 5 rules (spec R220, R224, R335-R337): each kind of breach is caught,
 * and correct MQTT 5 traffic passes. The packets are mqtt-packet's own MQTT 5 encodings.
 */
import * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { type ViolationKind, WireValidator } from './wireValidator.js';

const bytes = (packet: mqtt.Packet): Uint8Array => mqtt.generate(packet, { protocolVersion: 5 });
const connect = (properties: mqtt.IConnectPacket['properties'] = {}): mqtt.IConnectPacket => ({
  cmd: 'connect',
  clientId: 'c',
  protocolVersion: 5,
  clean: true,
  keepalive: 0,
  properties,
});
const pub = (
  messageId: number,
  qos: 0 | 1 | 2 = 1,
  extra: Partial<mqtt.IPublishPacket> = {},
): mqtt.IPublishPacket => ({
  cmd: 'publish',
  topic: 't',
  payload: Buffer.from('x'),
  qos,
  dup: false,
  retain: false,
  ...(qos === 0 ? {} : { messageId }),
  ...extra,
});

/** A validator with one MQTT 5 connection: CONNECT (with `connectProps`) and a CONNACK with `terms`. */
function v5(terms: NonNullable<mqtt.IConnackPacket['properties']> = {}, connectProps = {}) {
  const validator = new WireValidator({ maxInflight: 20 });
  const line = validator.connection();
  line.client(bytes(connect(connectProps)));
  line.server(bytes({ cmd: 'connack', reasonCode: 0, sessionPresent: false, properties: terms }));
  return {
    client: (...packets: mqtt.Packet[]) => {
      for (const p of packets) line.client(bytes(p));
    },
    server: (...packets: mqtt.Packet[]) => {
      for (const p of packets) line.server(bytes(p));
    },
    kinds: (): ViolationKind[] => validator.violations.map((v) => v.kind),
    messages: (): string[] => validator.violations.map((v) => v.message),
  };
}

describe('wire validator, MQTT 5', () => {
  it('R220: an MQTT 5 connection with properties everywhere parses, both ways, and passes', () => {
    const line = v5({ receiveMaximum: 10, topicAliasMaximum: 5, maximumPacketSize: 1000 });
    line.client(
      pub(1, 1, { properties: { contentType: 'text/plain', userProperties: { a: 'b' } } }),
      {
        cmd: 'subscribe',
        messageId: 2,
        subscriptions: [{ topic: 'a/#', qos: 1 }],
        properties: { subscriptionIdentifier: 7 },
      },
      pub(3, 2),
    );
    line.server(
      { cmd: 'puback', messageId: 1, reasonCode: 0 },
      { cmd: 'suback', messageId: 2, granted: [1] },
      { cmd: 'pubrec', messageId: 3, reasonCode: 0 },
    );
    line.client({ cmd: 'pubrel', messageId: 3, reasonCode: 0 }, { cmd: 'disconnect', reasonCode: 0 });
    expect(line.kinds()).toEqual([]);
  });

  it("R224: the window is the broker's Receive Maximum when it is below maxInflight", () => {
    const line = v5({ receiveMaximum: 2 });
    line.client(pub(1), pub(2));
    expect(line.kinds()).toEqual([]);
    line.client(pub(3));
    expect(line.kinds()).toEqual(['window-exceeded']);
    expect(line.messages()[0]).toMatch(/Receive Maximum/);
  });

  it('R224: a PUBREC with a failure code ends the exchange: its id is free, and a PUBREL for it is a breach', () => {
    const line = v5({ receiveMaximum: 1 });
    line.client(pub(1, 2));
    line.server({ cmd: 'pubrec', messageId: 1, reasonCode: 0x97 });
    line.client(pub(1, 2));
    expect(line.kinds()).toEqual([]);
    line.server({ cmd: 'pubrec', messageId: 1, reasonCode: 0x80 });
    line.client({ cmd: 'pubrel', messageId: 1, reasonCode: 0 });
    expect(line.kinds()).toEqual(['pubrel-without-pubrec']);
  });

  it('R335: a property the packet may not carry is a breach (Subscription Identifier on PUBLISH, Topic Alias on SUBSCRIBE, Will Delay on CONNECT)', () => {
    const line = v5({ topicAliasMaximum: 5 });
    line.client(pub(1, 1, { properties: { subscriptionIdentifier: 3 } }), {
      cmd: 'subscribe',
      messageId: 2,
      subscriptions: [{ topic: 'a', qos: 0 }],
      properties: { userProperties: { k: 'v' } },
    });
    expect(line.kinds()).toEqual(['property-not-allowed']);
    const other = new WireValidator();
    other.connection().client(bytes(connect({ willDelayInterval: 5 } as mqtt.IConnectPacket['properties'])));
    expect(other.violations.map((v) => v.kind)).toEqual(['property-not-allowed']);
  });

  it('R336: a Topic Alias used before a PUBLISH set it, or above the broker maximum, is a breach; a set one may be used', () => {
    const line = v5({ topicAliasMaximum: 2 });
    line.client(pub(0, 0, { topic: '', properties: { topicAlias: 1 } }));
    expect(line.kinds()).toEqual(['topic-alias']);
    line.client(pub(0, 0, { topic: 'x/y', properties: { topicAlias: 1 } }));
    line.client(pub(0, 0, { topic: '', properties: { topicAlias: 1 } }));
    expect(line.kinds()).toEqual(['topic-alias']);
    line.client(pub(0, 0, { topic: 'z', properties: { topicAlias: 3 } }));
    expect(line.kinds()).toEqual(['topic-alias', 'topic-alias']);
    const none = v5();
    none.client(pub(0, 0, { topic: 'z', properties: { topicAlias: 1 } }));
    expect(none.kinds()).toEqual(['topic-alias']);
  });

  it('R336: aliases are per connection: an alias set on the last connection is unset on the next', () => {
    const validator = new WireValidator();
    for (const connection of [0, 1]) {
      const line = validator.connection();
      line.client(bytes(connect()));
      line.server(
        bytes({ cmd: 'connack', reasonCode: 0, sessionPresent: false, properties: { topicAliasMaximum: 4 } }),
      );
      line.client(
        bytes(
          pub(
            0,
            0,
            connection === 0
              ? { properties: { topicAlias: 2 } }
              : { topic: '', properties: { topicAlias: 2 } },
          ),
        ),
      );
      line.closed();
    }
    expect(validator.violations.map((v) => [v.kind, v.connection])).toEqual([['topic-alias', 1]]);
  });

  it("R336: a PUBLISH above the broker's Maximum Packet Size is a breach; one at it is not", () => {
    const line = v5({ maximumPacketSize: 64 });
    const fits = pub(0, 0, { payload: Buffer.alloc(64 - 6) });
    expect(bytes(fits).length).toBe(64);
    line.client(fits);
    expect(line.kinds()).toEqual([]);
    line.client(pub(0, 0, { payload: Buffer.alloc(64 - 5) }));
    expect(line.kinds()).toEqual(['packet-too-large']);
  });

  it('R336: what the CONNACK said is not supported is a breach: QoS, RETAIN, wildcards, shared subscriptions, Subscription Identifiers', () => {
    const line = v5({
      maximumQoS: 1,
      retainAvailable: false,
      wildcardSubscriptionAvailable: false,
      sharedSubscriptionAvailable: false,
      subscriptionIdentifiersAvailable: false,
    });
    line.client(pub(1, 1), { cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 'a/b', qos: 1 }] });
    expect(line.kinds()).toEqual([]);
    line.client(
      pub(3, 2),
      pub(0, 0, { retain: true }),
      { cmd: 'subscribe', messageId: 4, subscriptions: [{ topic: 'a/+', qos: 0 }] },
      { cmd: 'subscribe', messageId: 5, subscriptions: [{ topic: '$share/g/a', qos: 0 }] },
      {
        cmd: 'subscribe',
        messageId: 6,
        subscriptions: [{ topic: 'a', qos: 0 }],
        properties: { subscriptionIdentifier: 1 },
      },
    );
    expect(line.messages()).toEqual([
      expect.stringMatching(/Maximum QoS is 1/),
      expect.stringMatching(/Retain Available is 0/),
      expect.stringMatching(/Wildcard Subscription Available is 0/),
      expect.stringMatching(/Shared Subscription Available is 0/),
      expect.stringMatching(/Subscription Identifiers Available is 0/),
    ]);
  });

  it('R337: AUTH only with the CONNECT method: continue answers a broker AUTH, re-authenticate after the CONNACK', () => {
    const validator = new WireValidator();
    const line = validator.connection();
    const method = { authenticationMethod: 'SCRAM-SHA-256' };
    const auth = (reasonCode: number, properties: object = method): Uint8Array =>
      bytes({ cmd: 'auth', reasonCode, properties } as mqtt.IAuthPacket);
    line.client(bytes(connect(method)));
    line.client(auth(0x18));
    line.server(auth(0x18));
    line.client(auth(0x18));
    line.server(bytes({ cmd: 'connack', reasonCode: 0, sessionPresent: false }));
    line.client(auth(0x19));
    line.server(auth(0x18));
    line.client(auth(0x18, { authenticationMethod: 'PLAIN' }));
    expect(validator.violations.map((v) => v.message)).toEqual([
      expect.stringMatching(/answers no AUTH/),
      expect.stringMatching(/not the CONNECT's SCRAM-SHA-256/),
    ]);
    const plain = v5();
    plain.client({ cmd: 'auth', reasonCode: 0x19, properties: method } as mqtt.IAuthPacket);
    expect(plain.kinds()).toEqual(['auth']);
  });
});
