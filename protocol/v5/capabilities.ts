/**
 * What an MQTT 5 broker's CONNACK allows, checked before anything is sent (spec R249-R255): its
 * Maximum Packet Size, Maximum QoS, Retain Available, Wildcard / Shared Subscription Available
 * and Subscription Identifiers Available. A check returns the typed error the caller reports, or
 * `undefined` when the packet may go; nothing here writes or throws. Pure: the runtime keeps the
 * broker's terms per connection (`runtime/profileV5.ts`).
 *
 * @module
 */
import { CapabilityError, SizeLimitError } from '../../errors.js';
import { varintSize } from '../encodeBytes.js';
import type { ConnackTerms } from './connack.js';
import { hex, reasonName } from './reasonCodes.js';

/** The part of a CONNACK that limits what the client may send (spec R249-R255). */
export type BrokerTerms = Pick<
  ConnackTerms,
  | 'maximumPacketSize'
  | 'maximumQoS'
  | 'retainAvailable'
  | 'topicAliasMaximum'
  | 'wildcardSubscriptionAvailable'
  | 'sharedSubscriptionAvailable'
  | 'subscriptionIdentifiersAvailable'
>;

/** What the option of a broker-imposed `SizeLimitError` says: where the limit came from (R249). */
export const BROKER_PACKET_LIMIT = "the broker's Maximum Packet Size (CONNACK)";

/**
 * The size of the MQTT 5 form of a 3.1.1 PUBLISH, SUBSCRIBE or UNSUBSCRIBE of `length` bytes with
 * no properties (spec R238: one property-length byte more, and the remaining length may grow).
 * @param length - The 3.1.1 packet's length, fixed header included.
 * @param propertyBytes - The property block's content, in bytes (default 0).
 */
export function v5Size(length: number, propertyBytes = 0): number {
  // The 3.1.1 remaining length, from the length: 1 header byte plus a 1-4 byte varint.
  let remaining = length - 2;
  while (1 + varintSize(remaining) + remaining > length) remaining--;
  const grown = remaining + varintSize(propertyBytes) + propertyBytes;
  return 1 + varintSize(grown) + grown;
}

/**
 * Whether a packet of `size` bytes (its MQTT 5 form) may go to this broker (spec R249).
 * @returns A `SizeLimitError` `PACKET_TOO_LARGE` naming the broker's limit, or `undefined`.
 */
export function sizeRefusal(terms: BrokerTerms, size: number): SizeLimitError | undefined {
  return size > terms.maximumPacketSize
    ? new SizeLimitError('PACKET_TOO_LARGE', size, terms.maximumPacketSize, BROKER_PACKET_LIMIT)
    : undefined;
}

const QOS_NOT_SUPPORTED = 0x9b;
const RETAIN_NOT_SUPPORTED = 0x9a;
const SHARED_NOT_SUPPORTED = 0x9e;
const SUBSCRIPTION_IDS_NOT_SUPPORTED = 0xa1;
const WILDCARDS_NOT_SUPPORTED = 0xa2;

function capability(code: number, what: string, property: string): CapabilityError {
  return new CapabilityError(
    code,
    `the broker does not support ${what} (CONNACK ${property}); not sent: ${reasonName(code)} (reason code ${hex(code)})`,
  );
}

/**
 * Whether a PUBLISH may go to this broker: its QoS at most the Maximum QoS [MQTT-3.2.2-11], no
 * RETAIN when Retain Available is 0 [MQTT-3.2.2-14], and its MQTT 5 size within the Maximum
 * Packet Size [MQTT-3.1.2-24] (spec R249, R253, R254).
 * @param size - The PUBLISH's MQTT 5 size in bytes (see {@link v5Size}).
 * @returns The error to report, or `undefined`.
 */
export function publishRefusal(
  terms: BrokerTerms,
  qos: 0 | 1 | 2,
  retain: boolean,
  size: number,
): CapabilityError | SizeLimitError | undefined {
  if (qos > terms.maximumQoS) {
    return capability(QOS_NOT_SUPPORTED, `QoS ${qos}`, `Maximum QoS ${terms.maximumQoS}`);
  }
  if (retain && !terms.retainAvailable) {
    return capability(RETAIN_NOT_SUPPORTED, 'retained messages', 'Retain Available 0');
  }
  return sizeRefusal(terms, size);
}

/**
 * Whether a subscription to `filter` may go to this broker (spec R255): no `+` / `#` when Wildcard
 * Subscription Available is 0 (3.2.2.3.11), no `$share/` when Shared Subscription
 * Available is 0 (3.2.2.3.13), no Subscription Identifier when Subscription Identifiers Available
 * is 0 (3.2.2.3.12). The subscription-identifier check is for callers that send one.
 * @param subscriptionIdentifier - Whether the SUBSCRIBE carries a Subscription Identifier.
 * @returns The error to report, or `undefined`.
 */
export function subscribeRefusal(
  terms: BrokerTerms,
  filter: string,
  subscriptionIdentifier = false,
): CapabilityError | undefined {
  if (!terms.sharedSubscriptionAvailable && filter.startsWith('$share/')) {
    return capability(
      SHARED_NOT_SUPPORTED,
      `shared subscriptions: ${JSON.stringify(filter)}`,
      'Shared Subscription Available 0',
    );
  }
  if (!terms.wildcardSubscriptionAvailable && (filter.includes('+') || filter.includes('#'))) {
    return capability(
      WILDCARDS_NOT_SUPPORTED,
      `wildcard subscriptions: ${JSON.stringify(filter)}`,
      'Wildcard Subscription Available 0',
    );
  }
  if (subscriptionIdentifier && !terms.subscriptionIdentifiersAvailable) {
    return capability(
      SUBSCRIPTION_IDS_NOT_SUPPORTED,
      'subscription identifiers',
      'Subscription Identifiers Available 0',
    );
  }
  return undefined;
}

/** A broker that says nothing: the standard's defaults (3.2.2.3), no limit beyond the protocol's. */
export const DEFAULT_TERMS: BrokerTerms = Object.freeze({
  maximumPacketSize: 268_435_460,
  maximumQoS: 2,
  retainAvailable: true,
  topicAliasMaximum: 0,
  wildcardSubscriptionAvailable: true,
  sharedSubscriptionAvailable: true,
  subscriptionIdentifiersAvailable: true,
});

/**
 * The broker's terms from its CONNACK's properties, with the standard's defaults for what it
 * left out (3.2.2.3; spec R152).
 * @param p - The CONNACK's properties.
 */
export function brokerTermsOf(p: Partial<BrokerTerms> | undefined): BrokerTerms {
  if (p === undefined) return DEFAULT_TERMS;
  return {
    maximumPacketSize: p.maximumPacketSize ?? DEFAULT_TERMS.maximumPacketSize,
    maximumQoS: p.maximumQoS ?? 2,
    retainAvailable: p.retainAvailable ?? true,
    topicAliasMaximum: p.topicAliasMaximum ?? 0,
    wildcardSubscriptionAvailable: p.wildcardSubscriptionAvailable ?? true,
    sharedSubscriptionAvailable: p.sharedSubscriptionAvailable ?? true,
    subscriptionIdentifiersAvailable: p.subscriptionIdentifiersAvailable ?? true,
  };
}
