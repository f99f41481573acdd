/**
 * The MQTT 5 properties as types: every property by mqtt-packet's name, and the subsets each
 * packet may carry. Which packet may carry which is decided by the table of `properties.ts`;
 * these types keep the encoders' callers to the same subsets at compile time.
 */

/** A User Property: a name and a value, both UTF-8 strings. Order and repeats are kept. */
export type UserProperty = readonly [name: string, value: string];

/**
 * Every MQTT 5 property, by the names mqtt-packet uses. Which ones a packet may carry is the
 * table's business (`PROPERTIES` in `properties.ts`); the per-packet types narrow this with `Pick`.
 */
export interface Properties {
  /** 0x01: the payload is UTF-8 text (`true`) or unspecified bytes. */
  readonly payloadFormatIndicator?: boolean;
  /** 0x02: seconds the message lives. */
  readonly messageExpiryInterval?: number;
  /** 0x03: MIME-like description of the payload. */
  readonly contentType?: string;
  /** 0x08: the topic name of the response to a request. */
  readonly responseTopic?: string;
  /** 0x09: data matching a response to its request. */
  readonly correlationData?: Uint8Array;
  /** 0x0B: subscription identifiers (1-268435455); a PUBLISH from the server may carry several. */
  readonly subscriptionIdentifier?: readonly number[];
  /** 0x11: seconds the session outlives the connection. */
  readonly sessionExpiryInterval?: number;
  /** 0x12: the client identifier the server assigned. */
  readonly assignedClientIdentifier?: string;
  /** 0x13: the keep alive the server imposes, in seconds. */
  readonly serverKeepAlive?: number;
  /** 0x15: the enhanced authentication method. */
  readonly authenticationMethod?: string;
  /** 0x16: method-specific authentication data. */
  readonly authenticationData?: Uint8Array;
  /** 0x17: whether the server may send Reason String and User Properties on failures. */
  readonly requestProblemInformation?: boolean;
  /** 0x18: seconds the server waits before publishing the will. */
  readonly willDelayInterval?: number;
  /** 0x19: whether the client asks for Response Information in CONNACK. */
  readonly requestResponseInformation?: boolean;
  /** 0x1A: the basis for response topics, from the server. */
  readonly responseInformation?: string;
  /** 0x1C: other server(s) to use. */
  readonly serverReference?: string;
  /** 0x1F: human-readable diagnostics. */
  readonly reasonString?: string;
  /** 0x21: how many QoS 1 and 2 publications the sender accepts at once (1-65535). */
  readonly receiveMaximum?: number;
  /** 0x22: the highest topic alias the sender accepts. */
  readonly topicAliasMaximum?: number;
  /** 0x23: a topic alias (1-65535). */
  readonly topicAlias?: number;
  /** 0x24: the highest QoS the server supports (0 or 1; absent means 2). */
  readonly maximumQoS?: 0 | 1;
  /** 0x25: whether the server supports retained messages. */
  readonly retainAvailable?: boolean;
  /** 0x26: user properties, in order, repeats allowed. */
  readonly userProperties?: readonly UserProperty[];
  /** 0x27: the largest packet the sender accepts, in bytes (1-4294967295). */
  readonly maximumPacketSize?: number;
  /** 0x28: whether the server supports wildcard subscriptions. */
  readonly wildcardSubscriptionAvailable?: boolean;
  /** 0x29: whether the server supports subscription identifiers. */
  readonly subscriptionIdentifiersAvailable?: boolean;
  /** 0x2A: whether the server supports shared subscriptions. */
  readonly sharedSubscriptionAvailable?: boolean;
}

/** The properties a CONNECT may carry. */
export type ConnectProperties = Pick<
  Properties,
  | 'sessionExpiryInterval'
  | 'receiveMaximum'
  | 'maximumPacketSize'
  | 'topicAliasMaximum'
  | 'requestResponseInformation'
  | 'requestProblemInformation'
  | 'userProperties'
  | 'authenticationMethod'
  | 'authenticationData'
>;

/** The will properties of a CONNECT (defined beside the shared path's types, R150). */
export type { WillProperties } from '../v5Shapes.js';

/** The properties a CONNACK may carry. */
export type ConnackProperties = Pick<
  Properties,
  | 'sessionExpiryInterval'
  | 'receiveMaximum'
  | 'maximumQoS'
  | 'retainAvailable'
  | 'maximumPacketSize'
  | 'assignedClientIdentifier'
  | 'topicAliasMaximum'
  | 'reasonString'
  | 'userProperties'
  | 'wildcardSubscriptionAvailable'
  | 'subscriptionIdentifiersAvailable'
  | 'sharedSubscriptionAvailable'
  | 'serverKeepAlive'
  | 'responseInformation'
  | 'serverReference'
  | 'authenticationMethod'
  | 'authenticationData'
>;

/** The properties a PUBLISH may carry (Subscription Identifier only from the server [MQTT-3.3.4-6]). */
export type PublishProperties = Pick<
  Properties,
  | 'payloadFormatIndicator'
  | 'messageExpiryInterval'
  | 'topicAlias'
  | 'responseTopic'
  | 'correlationData'
  | 'userProperties'
  | 'subscriptionIdentifier'
  | 'contentType'
>;

/** The properties of PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK and UNSUBACK. */
export type AckProperties = Pick<Properties, 'reasonString' | 'userProperties'>;

/** The properties of a DISCONNECT (Session Expiry Interval only from the client [MQTT-3.14.2-2]). */
export type DisconnectProperties = Pick<
  Properties,
  'sessionExpiryInterval' | 'reasonString' | 'userProperties' | 'serverReference'
>;

/** The properties of an AUTH. */
export type AuthProperties = Pick<
  Properties,
  'authenticationMethod' | 'authenticationData' | 'reasonString' | 'userProperties'
>;
