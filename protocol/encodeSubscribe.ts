/**
 * Encoders for SUBSCRIBE and UNSUBSCRIBE, split from `encode.ts` (import them from there).
 */
import type { QoS } from './encode.js';
import { alloc, utf8ByteLength, varintSize, writeUint16, writeUtf8, writeVarint } from './encodeBytes.js';

/** SUBSCRIBE and UNSUBSCRIBE must carry the flags 0b0010 [MQTT-3.8.1-1, MQTT-3.10.1-1]. */
const SUBSCRIBE = 0x82;
const UNSUBSCRIBE = 0xa2;

/** One topic filter of a SUBSCRIBE, with the maximum QoS requested for it. */
export interface SubscriptionRequest {
  /** A valid topic filter (not checked by the encoder). */
  readonly filter: string;
  /** The requested QoS. */
  readonly qos: QoS;
}

/**
 * Encodes a SUBSCRIBE for one or more filters.
 *
 * @param packetId - The packet id (1-65535).
 * @param subscriptions - At least one filter [MQTT-3.8.3-3]; filters must already be valid.
 * @returns The whole packet.
 */
export function encodeSubscribe(packetId: number, subscriptions: readonly SubscriptionRequest[]): Uint8Array {
  const lengths = subscriptions.map((s) => utf8ByteLength(s.filter));
  let remaining = 2;
  for (const n of lengths) remaining += 2 + n + 1;
  const buf = alloc(1 + varintSize(remaining) + remaining);
  buf[0] = SUBSCRIBE;
  let at = writeUint16(buf, writeVarint(buf, 1, remaining), packetId);
  subscriptions.forEach((s, i) => {
    const n = lengths[i] ?? 0;
    at = writeUtf8(buf, writeUint16(buf, at, n), s.filter, n);
    buf[at++] = s.qos;
  });
  return buf;
}

/**
 * Encodes an UNSUBSCRIBE for one or more filters.
 *
 * @param packetId - The packet id (1-65535).
 * @param filters - At least one filter [MQTT-3.10.3-2]; filters must already be valid.
 * @returns The whole packet.
 */
export function encodeUnsubscribe(packetId: number, filters: readonly string[]): Uint8Array {
  const lengths = filters.map((f) => utf8ByteLength(f));
  let remaining = 2;
  for (const n of lengths) remaining += 2 + n;
  const buf = alloc(1 + varintSize(remaining) + remaining);
  buf[0] = UNSUBSCRIBE;
  let at = writeUint16(buf, writeVarint(buf, 1, remaining), packetId);
  filters.forEach((f, i) => {
    const n = lengths[i] ?? 0;
    at = writeUtf8(buf, writeUint16(buf, at, n), f, n);
  });
  return buf;
}
