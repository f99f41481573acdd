/**
 * The MQTT 5 properties as data (spec R142): each identifier's name, type, the packets that may
 * carry it, whether it may repeat and which values are allowed. Both the decoder and the encoders
 * walk this table, so a property is described once. Source: OASIS MQTT 5.0, table 2-4 and the
 * property sections of each packet.
 */

import type { Properties } from './propertyTypes.js';

export type {
  AckProperties,
  AuthProperties,
  ConnackProperties,
  ConnectProperties,
  DisconnectProperties,
  Properties,
  PublishProperties,
  UserProperty,
  WillProperties,
} from './propertyTypes.js';

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
