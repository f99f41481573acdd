/**
 * The session's packets on an MQTT 5 wire (spec R238). The session encodes PUBLISH, SUBSCRIBE and
 * UNSUBSCRIBE once, in their 3.1.1 form, which is also what its durable store keeps, so a message
 * queued for one server can be replayed to another that speaks the other version. On an MQTT 5
 * connection each of them gets an empty property block where 5 has one; every other packet the
 * session writes (PUBACK, PUBREC, PUBREL, PUBCOMP with remaining length 2, PINGREQ, DISCONNECT
 * with remaining length 0) already is the same bytes in both versions [3.4.2.1, 3.14.2.1].
 */
import { alloc, varintSize, writeVarint } from '../encodeBytes.js';

const PUBLISH = 3;
const SUBSCRIBE = 8;
const UNSUBSCRIBE = 10;

/**
 * The remaining length of a whole packet, and where its body starts: the Variable Byte Integer of
 * 1 to 4 bytes after the first byte.
 * @param packet - A whole, valid packet.
 */
export function remainingLength(packet: Uint8Array): { readonly remaining: number; readonly at: number } {
  let remaining = 0;
  let at = 1;
  for (let shift = 0; ; shift += 7) {
    const byte = packet[at++] as number;
    remaining += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) break;
  }
  return { remaining, at };
}

/**
 * The MQTT 5 form of a packet the session encoded for 3.1.1: the same packet when both versions
 * write the same bytes, else a copy with a zero-length property block after the variable header.
 * The input must be one whole, valid 3.1.1 packet (the session's own encoders made it).
 *
 * @param packet - A 3.1.1 packet.
 * @returns The MQTT 5 packet.
 */
export function upgradeToV5(packet: Uint8Array): Uint8Array {
  const first = packet[0] as number;
  const type = first >> 4;
  if (type !== PUBLISH && type !== SUBSCRIBE && type !== UNSUBSCRIBE) return packet;
  const { remaining, at } = remainingLength(packet);
  // Where the property block goes: after topic and packet id (PUBLISH), after the packet id (others).
  let header = 2;
  if (type === PUBLISH) {
    const topicLength = ((packet[at] as number) << 8) | (packet[at + 1] as number);
    header = 2 + topicLength + (((first >> 1) & 3) > 0 ? 2 : 0);
  }
  const out = alloc(1 + varintSize(remaining + 1) + remaining + 1);
  out[0] = first;
  const body = writeVarint(out, 1, remaining + 1);
  out.set(packet.subarray(at, at + header), body);
  // The empty property block: its length, 0 (`alloc` may hand out a dirty pooled buffer).
  out[body + header] = 0;
  out.set(packet.subarray(at + header), body + header + 1);
  return out;
}
