/**
 * Encoders for the MQTT 5 SUBSCRIBE (with subscription options and a Subscription Identifier)
 * and UNSUBSCRIBE (spec R147). Filters must already be valid; nothing is checked here.
 */
import type { QoS } from '../encode.js';
import { alloc, utf8ByteLength, varintSize, writeUint16, writeUtf8, writeVarint } from '../encodeBytes.js';
import type { Properties, UserProperty } from './properties.js';
import { blockSize, propertiesSize, writeProperties } from './propertyCodec.js';

/** SUBSCRIBE and UNSUBSCRIBE carry the flags 0b0010 [MQTT-3.8.1-1, MQTT-3.10.1-1]. */
const SUBSCRIBE = 0x82;
const UNSUBSCRIBE = 0xa2;

/** One topic filter of an MQTT 5 SUBSCRIBE with its subscription options (3.8.3.1). */
export interface V5SubscriptionRequest {
  /** A valid topic filter. */
  readonly filter: string;
  /** The maximum QoS the broker may deliver with. */
  readonly qos: QoS;
  /**
   * No Local: the broker does not send back what this client publishes [MQTT-3.8.3-3]; not allowed
   * on a shared subscription [MQTT-3.8.3-4].
   *
   * @default false
   */
  readonly noLocal?: boolean;
  /**
   * Retain As Published: forwarded messages keep their RETAIN flag.
   *
   * @default false
   */
  readonly retainAsPublished?: boolean;
  /**
   * Retain Handling: 0 send retained messages on subscribe, 1 only for a new subscription, 2 never.
   *
   * @default 0
   */
  readonly retainHandling?: 0 | 1 | 2;
}

/** The properties of a SUBSCRIBE: one Subscription Identifier (1-268435455) and User Properties. */
export interface SubscribeProperties {
  /** Delivered back with each message this subscription matches. */
  readonly subscriptionIdentifier?: number;
  /** User properties, in order. */
  readonly userProperties?: readonly UserProperty[];
}

/** The properties of an UNSUBSCRIBE: User Properties only. */
export type UnsubscribeProperties = Pick<Properties, 'userProperties'>;

/**
 * The subscription options byte (3.8.3.1): QoS in bits 0-1, No Local bit 2, Retain As Published
 * bit 3, Retain Handling bits 4-5, bits 6-7 reserved 0 [MQTT-3.8.3-5].
 *
 * @param s - The request.
 * @returns The byte.
 */
export function subscriptionOptions(s: V5SubscriptionRequest): number {
  return s.qos | (s.noLocal ? 0x04 : 0) | (s.retainAsPublished ? 0x08 : 0) | ((s.retainHandling ?? 0) << 4);
}

/**
 * Encodes an MQTT 5 SUBSCRIBE for one or more filters (3.8).
 *
 * @param packetId - The packet id (1-65535).
 * @param subscriptions - At least one [MQTT-3.8.3-2].
 * @param properties - Subscription Identifier and User Properties.
 * @returns The whole packet.
 */
export function encodeSubscribeV5(
  packetId: number,
  subscriptions: readonly V5SubscriptionRequest[],
  properties?: SubscribeProperties,
): Uint8Array {
  const id = properties?.subscriptionIdentifier;
  // The table stores Subscription Identifiers as a list (a PUBLISH may carry several).
  const props: Properties | undefined =
    properties === undefined
      ? undefined
      : {
          ...(properties.userProperties === undefined ? {} : { userProperties: properties.userProperties }),
          ...(id === undefined ? {} : { subscriptionIdentifier: [id] }),
        };
  const lengths = subscriptions.map((s) => utf8ByteLength(s.filter));
  const propsLength = propertiesSize(props, 'SUBSCRIBE');
  let remaining = 2 + blockSize(propsLength);
  for (const n of lengths) remaining += 2 + n + 1;
  const buf = alloc(1 + varintSize(remaining) + remaining);
  buf[0] = SUBSCRIBE;
  let at = writeUint16(buf, writeVarint(buf, 1, remaining), packetId);
  at = writeProperties(buf, at, props, 'SUBSCRIBE', propsLength);
  subscriptions.forEach((s, i) => {
    const n = lengths[i] ?? 0;
    at = writeUtf8(buf, writeUint16(buf, at, n), s.filter, n);
    buf[at++] = subscriptionOptions(s);
  });
  return buf;
}

/**
 * Encodes an MQTT 5 UNSUBSCRIBE for one or more filters (3.10).
 *
 * @param packetId - The packet id (1-65535).
 * @param filters - At least one [MQTT-3.10.3-2].
 * @param properties - User Properties.
 * @returns The whole packet.
 */
export function encodeUnsubscribeV5(
  packetId: number,
  filters: readonly string[],
  properties?: UnsubscribeProperties,
): Uint8Array {
  const lengths = filters.map((f) => utf8ByteLength(f));
  const propsLength = propertiesSize(properties, 'UNSUBSCRIBE');
  let remaining = 2 + blockSize(propsLength);
  for (const n of lengths) remaining += 2 + n;
  const buf = alloc(1 + varintSize(remaining) + remaining);
  buf[0] = UNSUBSCRIBE;
  let at = writeUint16(buf, writeVarint(buf, 1, remaining), packetId);
  at = writeProperties(buf, at, properties, 'UNSUBSCRIBE', propsLength);
  filters.forEach((f, i) => {
    const n = lengths[i] ?? 0;
    at = writeUtf8(buf, writeUint16(buf, at, n), f, n);
  });
  return buf;
}
