/**
 * Encoders for SUBSCRIBE and UNSUBSCRIBE, split from `encode.ts` (import them from there).
 */
import type { QoS } from './encode.js';
import {
  alloc,
  utf8ByteLength,
  utf8Bytes,
  varintSize,
  writeUint16,
  writeUtf8,
  writeVarint,
} from './encodeBytes.js';

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
  const filters = subscriptions.map((s) => s.filter);
  return encodeSubscribeList(
    packetId,
    filters,
    subscriptions.map((s) => s.qos),
    filters.map((f) => utf8ByteLength(f)),
  );
}

/**
 * Encodes a SUBSCRIBE from parallel lists, the form the re-subscription of thousands of filters
 * uses (spec R333): no object per filter, and the UTF-8 lengths the batching already measured.
 *
 * @param packetId - The packet id (1-65535).
 * @param filters - At least one filter [MQTT-3.8.3-3]; filters must already be valid.
 * @param qos - The requested QoS of each filter.
 * @param lengths - The UTF-8 byte length of each filter.
 * @returns The whole packet.
 */
export function encodeSubscribeList(
  packetId: number,
  filters: readonly string[],
  qos: readonly QoS[],
  lengths: readonly number[],
): Uint8Array {
  let remaining = 2;
  for (let i = 0; i < lengths.length; i++) remaining += 3 + (lengths[i] as number);
  const buf = alloc(1 + varintSize(remaining) + remaining);
  buf[0] = SUBSCRIBE;
  let at = writeUint16(buf, writeVarint(buf, 1, remaining), packetId);
  for (let i = 0; i < filters.length; i++) {
    const filter = filters[i] as string;
    const n = lengths[i] as number;
    at = writeUint16(buf, at, n);
    at = n === filter.length ? writeAscii(buf, at, filter) : writeUtf8(buf, at, filter, n);
    buf[at++] = qos[i] as QoS;
  }
  return buf;
}

/**
 * Writes a string whose UTF-8 length equals its length, i.e. ASCII only, one byte per character:
 * for a short filter a loop is cheaper than a `subarray` and a call into the encoder.
 */
function writeAscii(buf: Uint8Array, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) buf[at + i] = s.charCodeAt(i);
  return at + s.length;
}

/**
 * Encodes an UNSUBSCRIBE for one or more filters.
 *
 * @param packetId - The packet id (1-65535).
 * @param filters - At least one filter [MQTT-3.10.3-2]; filters must already be valid.
 * @returns The whole packet.
 */
export function encodeUnsubscribe(packetId: number, filters: readonly string[]): Uint8Array {
  const encoded = filters.map((f) => utf8Bytes(f));
  let remaining = 2;
  for (const f of encoded) remaining += 2 + f.length;
  const buf = alloc(1 + varintSize(remaining) + remaining);
  buf[0] = UNSUBSCRIBE;
  let at = writeUint16(buf, writeVarint(buf, 1, remaining), packetId);
  for (const f of encoded) {
    buf.set(f, writeUint16(buf, at, f.length));
    at += 2 + f.length;
  }
  return buf;
}
