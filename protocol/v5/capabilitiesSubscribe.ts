/**
 * A SUBSCRIBE held against the broker's Wildcard / Shared Subscription Available and Subscription
 * Identifiers Available (spec R255): the filters it refuses are taken out before the packet is written and answered by the client itself
 * with the SUBACK code the broker would have sent (0xA2, 0x9E), merged into the broker's SUBACK
 * for the others, so each filter's caller gets its own outcome and the broker never sees a filter
 * it said it does not support. Pure.
 *
 * @module
 */

import type { QoS } from '../encode.js';
import { utf8Text } from '../encodeBytes.js';
import { encodeSubscribe } from '../encodeSubscribe.js';
import { type BrokerTerms, subscribeRefusal } from './capabilities.js';
import { remainingLength } from './upgrade.js';

/** The outcome of one SUBSCRIBE's filters, by position: a refusal code, or `-1` for the broker's. */
export type LocalCodes = readonly number[];

/** What {@link splitSubscribe} decided for one SUBSCRIBE. */
export interface SubscribeSplit {
  /** The packet id. */
  readonly packetId: number;
  /** The SUBSCRIBE to write (3.1.1 form), without the refused filters; `undefined` when none is left. */
  readonly packet: Uint8Array | undefined;
  /** Per filter: the local refusal code, or -1 where the broker's SUBACK answers. */
  readonly codes: LocalCodes;
}

/**
 * Splits a whole 3.1.1 SUBSCRIBE into what may go to this broker and what it refuses.
 * @param identified - Whether a filter's subscription carries a Subscription Identifier (refused
 *   with 0xA1 when the broker has none, 3.2.2.3.12); by default none does.
 * @returns `undefined` when the broker supports every filter (write the packet as it is).
 */
export function splitSubscribe(
  terms: BrokerTerms,
  packet: Uint8Array,
  identified: (filter: string) => boolean = () => false,
): SubscribeSplit | undefined {
  if (
    terms.wildcardSubscriptionAvailable &&
    terms.sharedSubscriptionAvailable &&
    terms.subscriptionIdentifiersAvailable
  )
    return undefined;
  let at = remainingLength(packet).at;
  const packetId = ((packet[at] as number) << 8) | (packet[at + 1] as number);
  at += 2;
  const kept: { filter: string; qos: QoS }[] = [];
  const codes: number[] = [];
  while (at < packet.length) {
    const length = ((packet[at] as number) << 8) | (packet[at + 1] as number);
    const filter = utf8Text(packet.subarray(at + 2, at + 2 + length)) ?? '';
    const qos = ((packet[at + 2 + length] as number) & 3) as QoS;
    at += 3 + length;
    const refusal = subscribeRefusal(terms, filter, identified(filter));
    codes.push(refusal === undefined ? -1 : refusal.reasonCode);
    if (refusal === undefined) kept.push({ filter, qos });
  }
  if (kept.length === codes.length) return undefined;
  return { packetId, packet: kept.length === 0 ? undefined : encodeSubscribe(packetId, kept), codes };
}

/**
 * The SUBACK codes for every filter of the SUBSCRIBE: the local refusals in their places, the
 * broker's codes (for the filters it was sent, in order) in the others.
 * @param broker - The broker's SUBACK codes; empty when nothing was sent.
 */
export function mergeSuback(codes: LocalCodes, broker: readonly number[]): number[] {
  let next = 0;
  // A broker that answers fewer codes than it was sent filters: the rest count as refused (0x80).
  return codes.map((code) => (code >= 0 ? code : (broker[next++] ?? 0x80)));
}
