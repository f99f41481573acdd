/**
 * The MQTT 5 properties as data (spec R142): each identifier's name, type, the packets that may
 * carry it, whether it may repeat and which values are allowed. Both the decoder and the encoders
 * walk this table, so a property is described once. Source: OASIS MQTT 5.0, table 2-4 and the
 * property sections of each packet.
 */

/** How a property's value is written (section 1.5). */
export type PropertyType = 'byte' | 'bool' | 'uint16' | 'uint32' | 'varint' | 'utf8' | 'binary' | 'pair';

/** The places a property may appear: the packets, and the will properties inside CONNECT. */
export type PropertyPlace =
  | 'CONNECT'
  | 'WILL'
  | 'CONNACK'
  | 'PUBLISH'
  | 'PUBACK'
  | 'PUBREC'
  | 'PUBREL'
  | 'PUBCOMP'
  | 'SUBSCRIBE'
  | 'SUBACK'
  | 'UNSUBSCRIBE'
  | 'UNSUBACK'
  | 'DISCONNECT'
  | 'AUTH';

/** A User Property: a name and a value, both UTF-8 strings. Order and repeats are kept. */
export type UserProperty = readonly [name: string, value: string];

/**
 * Every MQTT 5 property, by the names mqtt-packet uses. Which ones a packet may carry is the
 * table's business ({@link PROPERTIES}); the per-packet types narrow this with `Pick`.
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

/** A property's name. */
export type PropertyName = keyof Properties;

/** One row of the property table. */
export interface PropertyInfo {
  /** The identifier byte. */
  readonly id: number;
  /** Its name in {@link Properties}. */
  readonly name: PropertyName;
  /** How the value is written. */
  readonly type: PropertyType;
  /** Where it may appear; anywhere else it makes the packet malformed (section 2.2.2.2). */
  readonly places: readonly PropertyPlace[];
  /**
   * Where it may appear more than once; a repeat anywhere else is a Protocol Error. User
   * Property repeats everywhere; Subscription Identifier only in PUBLISH [MQTT-3.3.4-4].
   */
  readonly repeats?: readonly PropertyPlace[];
  /**
   * Where only one side may send it: a Subscription Identifier in a PUBLISH only from the server
   * [MQTT-3.3.4-6], a Session Expiry Interval in a DISCONNECT only from the client
   * [MQTT-3.14.2-2]. The other side's is a Protocol Error; the encoders never write it.
   */
  readonly onlyFrom?: Readonly<Partial<Record<PropertyPlace, 'client' | 'server'>>>;
  /** The values allowed, when not every value of the type is: another is a Protocol Error. */
  readonly valid?: (value: number) => boolean;
  /** The reason code for a value {@link PropertyInfo.valid} refuses, when not 0x82 Protocol Error. */
  readonly invalidReason?: number;
  /** What {@link PropertyInfo.valid} allows, for messages. */
  readonly validText?: string;
}

const PUBLISH_AND_WILL: readonly PropertyPlace[] = ['PUBLISH', 'WILL'];
const ALL: readonly PropertyPlace[] = [
  'CONNECT',
  'WILL',
  'CONNACK',
  'PUBLISH',
  'PUBACK',
  'PUBREC',
  'PUBREL',
  'PUBCOMP',
  'SUBSCRIBE',
  'SUBACK',
  'UNSUBSCRIBE',
  'UNSUBACK',
  'DISCONNECT',
  'AUTH',
];
const REASON_STRING_PLACES: readonly PropertyPlace[] = [
  'CONNACK',
  'PUBACK',
  'PUBREC',
  'PUBREL',
  'PUBCOMP',
  'SUBACK',
  'UNSUBACK',
  'DISCONNECT',
  'AUTH',
];
const nonZero = (v: number): boolean => v !== 0;
const zeroOrOne = (v: number): boolean => v <= 1;

/** Table 2-4: every property, in identifier order. */
export const PROPERTIES: readonly PropertyInfo[] = [
  { id: 0x01, name: 'payloadFormatIndicator', type: 'bool', places: PUBLISH_AND_WILL },
  { id: 0x02, name: 'messageExpiryInterval', type: 'uint32', places: PUBLISH_AND_WILL },
  { id: 0x03, name: 'contentType', type: 'utf8', places: PUBLISH_AND_WILL },
  { id: 0x08, name: 'responseTopic', type: 'utf8', places: PUBLISH_AND_WILL },
  { id: 0x09, name: 'correlationData', type: 'binary', places: PUBLISH_AND_WILL },
  {
    id: 0x0b,
    name: 'subscriptionIdentifier',
    type: 'varint',
    places: ['PUBLISH', 'SUBSCRIBE'],
    repeats: ['PUBLISH'],
    onlyFrom: { PUBLISH: 'server' },
    valid: nonZero,
    validText: '1 to 268435455 [3.8.2.1.2]',
  },
  {
    id: 0x11,
    name: 'sessionExpiryInterval',
    type: 'uint32',
    places: ['CONNECT', 'CONNACK', 'DISCONNECT'],
    onlyFrom: { DISCONNECT: 'client' },
  },
  { id: 0x12, name: 'assignedClientIdentifier', type: 'utf8', places: ['CONNACK'] },
  { id: 0x13, name: 'serverKeepAlive', type: 'uint16', places: ['CONNACK'] },
  { id: 0x15, name: 'authenticationMethod', type: 'utf8', places: ['CONNECT', 'CONNACK', 'AUTH'] },
  { id: 0x16, name: 'authenticationData', type: 'binary', places: ['CONNECT', 'CONNACK', 'AUTH'] },
  { id: 0x17, name: 'requestProblemInformation', type: 'bool', places: ['CONNECT'] },
  { id: 0x18, name: 'willDelayInterval', type: 'uint32', places: ['WILL'] },
  { id: 0x19, name: 'requestResponseInformation', type: 'bool', places: ['CONNECT'] },
  { id: 0x1a, name: 'responseInformation', type: 'utf8', places: ['CONNACK'] },
  { id: 0x1c, name: 'serverReference', type: 'utf8', places: ['CONNACK', 'DISCONNECT'] },
  { id: 0x1f, name: 'reasonString', type: 'utf8', places: REASON_STRING_PLACES },
  {
    id: 0x21,
    name: 'receiveMaximum',
    type: 'uint16',
    places: ['CONNECT', 'CONNACK'],
    valid: nonZero,
    validText: '1 to 65535 [3.2.2.3.3]',
  },
  { id: 0x22, name: 'topicAliasMaximum', type: 'uint16', places: ['CONNECT', 'CONNACK'] },
  {
    id: 0x23,
    name: 'topicAlias',
    type: 'uint16',
    places: ['PUBLISH'],
    valid: nonZero,
    validText: '1 to 65535 [MQTT-3.3.2-8]',
    // 0x94 Topic Alias invalid, the code section 3.3.2.3.4 gives for a bad alias.
    invalidReason: 0x94,
  },
  {
    id: 0x24,
    name: 'maximumQoS',
    type: 'byte',
    places: ['CONNACK'],
    valid: zeroOrOne,
    validText: '0 or 1 [3.2.2.3.4]',
  },
  { id: 0x25, name: 'retainAvailable', type: 'bool', places: ['CONNACK'] },
  { id: 0x26, name: 'userProperties', type: 'pair', places: ALL, repeats: ALL },
  {
    id: 0x27,
    name: 'maximumPacketSize',
    type: 'uint32',
    places: ['CONNECT', 'CONNACK'],
    valid: nonZero,
    validText: '1 to 4294967295 [3.2.2.3.6]',
  },
  { id: 0x28, name: 'wildcardSubscriptionAvailable', type: 'bool', places: ['CONNACK'] },
  { id: 0x29, name: 'subscriptionIdentifiersAvailable', type: 'bool', places: ['CONNACK'] },
  { id: 0x2a, name: 'sharedSubscriptionAvailable', type: 'bool', places: ['CONNACK'] },
];

/** The table by identifier: `BY_ID[id]` is the row, `undefined` for an unknown identifier. */
export const PROPERTY_BY_ID: readonly (PropertyInfo | undefined)[] = (() => {
  const byId: (PropertyInfo | undefined)[] = new Array(256).fill(undefined);
  for (const info of PROPERTIES) byId[info.id] = info;
  return byId;
})();

/**
 * The rows the client may write in a place, in identifier order (what the encoders write, in that
 * order): those the place may carry, less those only the server sends there.
 */
export const WRITTEN_IN = {} as Readonly<Record<PropertyPlace, readonly PropertyInfo[]>>;
for (const place of ALL) {
  (WRITTEN_IN as Record<PropertyPlace, readonly PropertyInfo[]>)[place] = PROPERTIES.filter(
    (info) => info.places.includes(place) && info.onlyFrom?.[place] !== 'server',
  );
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

/** The will properties of a CONNECT. */
export type WillProperties = Pick<
  Properties,
  | 'willDelayInterval'
  | 'payloadFormatIndicator'
  | 'messageExpiryInterval'
  | 'contentType'
  | 'responseTopic'
  | 'correlationData'
  | 'userProperties'
>;

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
