/**
 * The MQTT 5 rules of the wire validator (spec R220, R224, R335-R337), for one connection whose
 * CONNECT said protocol version 5: the broker's CONNACK terms (Receive Maximum, Maximum Packet
 * Size, Topic Alias Maximum, Maximum QoS, Retain / Wildcard / Shared / Subscription Identifiers
 * Available), the client's topic aliases, enhanced authentication (AUTH), and which properties
 * each packet the client writes may carry. Only reads what it is shown; `report` records breaches.
 */
import type * as mqtt from 'mqtt-packet';

/** What {@link V5Rules} reports (a subset of the validator's violation kinds). */
export type V5ViolationKind =
  /** R335: a property the packet may not carry (MQTT 5 2.2.2.2), or one the client may not send. */
  | 'property-not-allowed'
  /** R336: a Topic Alias used before it was set, above the broker's maximum, or an empty topic without one. */
  | 'topic-alias'
  /** R336: a packet larger than the broker's Maximum Packet Size [MQTT-3.1.2-24]. */
  | 'packet-too-large'
  /** R336: something the broker's CONNACK said it does not support (QoS, RETAIN, wildcards, ...). */
  | 'broker-terms'
  /** R337: an AUTH the client may not send at that point, or with another method. */
  | 'auth';

/** Properties a client may put in each packet (MQTT 5 2.2.2.2, client to server). */
const ALLOWED: Readonly<Record<string, ReadonlySet<string>>> = {
  connect: new Set([
    'sessionExpiryInterval',
    'authenticationMethod',
    'authenticationData',
    'requestProblemInformation',
    'requestResponseInformation',
    'receiveMaximum',
    'topicAliasMaximum',
    'userProperties',
    'maximumPacketSize',
  ]),
  // A client never sends a Subscription Identifier in a PUBLISH [MQTT-3.3.4-6].
  publish: new Set([
    'payloadFormatIndicator',
    'messageExpiryInterval',
    'topicAlias',
    'responseTopic',
    'correlationData',
    'userProperties',
    'contentType',
  ]),
  puback: new Set(['reasonString', 'userProperties']),
  pubrec: new Set(['reasonString', 'userProperties']),
  pubrel: new Set(['reasonString', 'userProperties']),
  pubcomp: new Set(['reasonString', 'userProperties']),
  subscribe: new Set(['subscriptionIdentifier', 'userProperties']),
  unsubscribe: new Set(['userProperties']),
  // Server Reference is the server's to send.
  disconnect: new Set(['sessionExpiryInterval', 'reasonString', 'userProperties']),
  auth: new Set(['authenticationMethod', 'authenticationData', 'reasonString', 'userProperties']),
};

/** Properties of the Will in a CONNECT (3.1.3.2). */
const WILL_ALLOWED: ReadonlySet<string> = new Set([
  'willDelayInterval',
  'payloadFormatIndicator',
  'messageExpiryInterval',
  'contentType',
  'responseTopic',
  'correlationData',
  'userProperties',
]);

/** The largest packet MQTT 5 can carry: no limit said. */
const NO_LIMIT = 268_435_460;
const CONTINUE_AUTHENTICATION = 0x18;
const RE_AUTHENTICATE = 0x19;

/** Bytes of a Variable Byte Integer holding `n`. */
const varintSize = (n: number): number => (n < 128 ? 1 : n < 16_384 ? 2 : n < 2_097_152 ? 3 : 4);

/** The broker's CONNACK terms as the validator needs them (the standard's defaults until it comes). */
interface Terms {
  receiveMaximum: number;
  maximumPacketSize: number;
  topicAliasMaximum: number;
  maximumQoS: number;
  retainAvailable: boolean;
  wildcardSubscriptionAvailable: boolean;
  sharedSubscriptionAvailable: boolean;
  subscriptionIdentifiersAvailable: boolean;
}

const DEFAULT_TERMS: Terms = {
  receiveMaximum: 65_535,
  maximumPacketSize: NO_LIMIT,
  topicAliasMaximum: 0,
  maximumQoS: 2,
  retainAvailable: true,
  wildcardSubscriptionAvailable: true,
  sharedSubscriptionAvailable: true,
  subscriptionIdentifiersAvailable: true,
};

/** The MQTT 5 state of one connection: its broker's terms, its aliases, its authentication. */
export class V5Rules {
  /** The broker's terms: its CONNACK's, else the standard's defaults. */
  terms: Terms = { ...DEFAULT_TERMS };
  /** Topic names by alias, as the client set them on this connection [MQTT-3.3.2-7]. */
  readonly #aliases = new Map<number, string>();
  /** The CONNECT's Authentication Method, if it named one. */
  #method: string | undefined;
  #connacked = false;
  /** The broker's last AUTH asked to continue and the client has not answered yet. */
  #authAsked = false;

  constructor(private readonly report: (kind: V5ViolationKind, message: string) => void) {}

  /** Checks a packet the client wrote. */
  client(packet: mqtt.Packet): void {
    this.#properties(packet);
    const size = 1 + varintSize(packet.length ?? 0) + (packet.length ?? 0);
    if (packet.cmd !== 'connect' && size > this.terms.maximumPacketSize)
      this.report(
        'packet-too-large',
        `${packet.cmd.toUpperCase()} of ${size} bytes; the broker's Maximum Packet Size is ${this.terms.maximumPacketSize} [MQTT-3.1.2-24]`,
      );
    switch (packet.cmd) {
      case 'connect':
        this.#method = packet.properties?.authenticationMethod;
        return;
      case 'publish':
        this.#publish(packet);
        return;
      case 'subscribe':
        this.#subscribe(packet);
        return;
      case 'auth':
        this.#auth(packet);
        return;
      default:
        return;
    }
  }

  /** Takes what the broker wrote. */
  server(packet: mqtt.Packet): void {
    if (packet.cmd === 'connack') {
      const p = packet.properties ?? {};
      this.#connacked = true;
      this.#authAsked = false;
      this.terms = {
        receiveMaximum: p.receiveMaximum ?? DEFAULT_TERMS.receiveMaximum,
        maximumPacketSize: p.maximumPacketSize ?? NO_LIMIT,
        topicAliasMaximum: p.topicAliasMaximum ?? 0,
        maximumQoS: p.maximumQoS ?? 2,
        retainAvailable: p.retainAvailable ?? true,
        wildcardSubscriptionAvailable: p.wildcardSubscriptionAvailable ?? true,
        sharedSubscriptionAvailable: p.sharedSubscriptionAvailable ?? true,
        subscriptionIdentifiersAvailable: p.subscriptionIdentifiersAvailable ?? true,
      };
    } else if (packet.cmd === 'auth') this.#authAsked = packet.reasonCode === CONTINUE_AUTHENTICATION;
  }

  #properties(packet: mqtt.Packet): void {
    const allowed = ALLOWED[packet.cmd];
    const props = (packet as { properties?: Record<string, unknown> }).properties ?? {};
    for (const name of Object.keys(props))
      if (allowed === undefined || !allowed.has(name))
        this.report('property-not-allowed', `${packet.cmd.toUpperCase()} carries ${name}`);
    if (packet.cmd !== 'connect') return;
    for (const name of Object.keys(packet.will?.properties ?? {}))
      if (!WILL_ALLOWED.has(name)) this.report('property-not-allowed', `the CONNECT's Will carries ${name}`);
  }

  #publish(packet: mqtt.IPublishPacket): void {
    const alias = packet.properties?.topicAlias;
    const what = `PUBLISH to '${packet.topic}'`;
    if (packet.qos > this.terms.maximumQoS)
      this.report(
        'broker-terms',
        `${what} at QoS ${packet.qos}; Maximum QoS is ${this.terms.maximumQoS} [MQTT-3.2.2-11]`,
      );
    if (packet.retain && !this.terms.retainAvailable)
      this.report('broker-terms', `${what} with RETAIN; Retain Available is 0 [MQTT-3.2.2-14]`);
    if (alias === undefined) {
      if (packet.topic === '') this.report('topic-alias', 'PUBLISH with an empty topic and no Topic Alias');
      return;
    }
    if (alias < 1 || alias > this.terms.topicAliasMaximum) {
      this.report(
        'topic-alias',
        `${what} with Topic Alias ${alias}; the broker's Topic Alias Maximum is ${this.terms.topicAliasMaximum} [MQTT-3.3.2-8, MQTT-3.3.2-9]`,
      );
      return;
    }
    if (packet.topic !== '') this.#aliases.set(alias, packet.topic);
    else if (!this.#aliases.has(alias))
      this.report(
        'topic-alias',
        `PUBLISH with Topic Alias ${alias}, which no PUBLISH on this connection set`,
      );
  }

  #subscribe(packet: mqtt.ISubscribePacket): void {
    const t = this.terms;
    if (packet.properties?.subscriptionIdentifier !== undefined && !t.subscriptionIdentifiersAvailable)
      this.report(
        'broker-terms',
        'SUBSCRIBE with a Subscription Identifier; Subscription Identifiers Available is 0',
      );
    for (const { topic } of packet.subscriptions) {
      if (!t.sharedSubscriptionAvailable && topic.startsWith('$share/'))
        this.report('broker-terms', `SUBSCRIBE to '${topic}'; Shared Subscription Available is 0`);
      if (!t.wildcardSubscriptionAvailable && /[+#]/.test(topic))
        this.report('broker-terms', `SUBSCRIBE to '${topic}'; Wildcard Subscription Available is 0`);
    }
  }

  #auth(packet: mqtt.IAuthPacket): void {
    const method = packet.properties?.authenticationMethod;
    const code = packet.reasonCode ?? 0;
    if (this.#method === undefined) {
      this.report('auth', 'AUTH, but the CONNECT named no Authentication Method [MQTT-4.12.0-7]');
      return;
    }
    if (method !== this.#method)
      this.report(
        'auth',
        `AUTH with method ${String(method)}, not the CONNECT's ${this.#method} [MQTT-4.12.0-5]`,
      );
    if (code === CONTINUE_AUTHENTICATION && !this.#authAsked)
      this.report('auth', 'AUTH continue (0x18) that answers no AUTH of the broker');
    else if (code === RE_AUTHENTICATE && (!this.#connacked || this.#authAsked))
      this.report(
        'auth',
        'AUTH re-authenticate (0x19) before the CONNACK or inside an exchange [MQTT-4.12.1-1]',
      );
    else if (code !== CONTINUE_AUTHENTICATION && code !== RE_AUTHENTICATE)
      this.report('auth', `AUTH with reason code ${code}, which a client does not send`);
    this.#authAsked = false;
  }
}
