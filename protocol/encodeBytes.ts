/**
 * Byte-level helpers shared by the packet encoders: allocation, the remaining-length varint and
 * UTF-8 writing. Not part of the public API.
 */

import { utf8Length } from './topics.js';

/** The part of Node's `Buffer` used here. */
interface NodeBytes extends Uint8Array {
  write(s: string, offset: number, length: number, encoding: 'utf8'): number;
}

// Under Node, Buffer's pool makes small allocations cheaper than `new Uint8Array`, and its native
// UTF-8 routines beat TextEncoder and JS loops; the fallbacks keep the encoders usable in browsers.
const NodeBuffer = (
  globalThis as {
    Buffer?: { allocUnsafe(size: number): NodeBytes; byteLength(s: string, encoding: 'utf8'): number };
  }
).Buffer;
const textEncoder = new TextEncoder();

/**
 * Allocates an uninitialised byte array; every encoder overwrites all of it.
 * @param size - Its length.
 * @returns A `Buffer` under Node, a `Uint8Array` elsewhere.
 */
export const alloc: (size: number) => Uint8Array = NodeBuffer
  ? (size) => NodeBuffer.allocUnsafe(size)
  : (size) => new Uint8Array(size);

/**
 * How many bytes the remaining-length varint of `length` takes [MQTT-2.2.3].
 * @param length - A remaining length, at most 268435455.
 * @returns 1 to 4.
 */
export function varintSize(length: number): number {
  return length < 0x80 ? 1 : length < 0x4000 ? 2 : length < 0x200000 ? 3 : 4;
}

/**
 * Writes the remaining-length varint.
 * @param buf - The packet.
 * @param offset - Where to write.
 * @param length - The remaining length.
 * @returns The offset after it.
 */
export function writeVarint(buf: Uint8Array, offset: number, length: number): number {
  let rest = length;
  do {
    let byte = rest % 0x80;
    rest = Math.floor(rest / 0x80);
    if (rest > 0) byte |= 0x80;
    buf[offset++] = byte;
  } while (rest > 0);
  return offset;
}

/**
 * Writes a 16-bit big-endian number (a length prefix or a packet id).
 * @param buf - The packet.
 * @param offset - Where to write.
 * @param value - 0 to 65535.
 * @returns The offset after it.
 */
export function writeUint16(buf: Uint8Array, offset: number, value: number): number {
  buf[offset] = value >> 8;
  buf[offset + 1] = value & 0xff;
  return offset + 2;
}

/**
 * Counts the UTF-8 bytes of `s` (natively under Node).
 * @param s - Any string; an unpaired surrogate counts 3 bytes (it is written as U+FFFD).
 * @returns Its encoded length.
 */
export const utf8ByteLength: (s: string) => number = NodeBuffer
  ? (s) => NodeBuffer.byteLength(s, 'utf8')
  : utf8Length;

/**
 * Writes `s` as UTF-8.
 * @param buf - The packet; it must come from {@link alloc}.
 * @param offset - Where to write.
 * @param s - The string.
 * @param bytes - Its UTF-8 length (from {@link utf8ByteLength}).
 * @returns The offset after it.
 */
export function writeUtf8(buf: Uint8Array, offset: number, s: string, bytes: number): number {
  if (NodeBuffer) (buf as NodeBytes).write(s, offset, bytes, 'utf8');
  else textEncoder.encodeInto(s, buf.subarray(offset, offset + bytes));
  return offset + bytes;
}

/**
 * Encodes a string as UTF-8.
 * @param s - The string.
 * @returns Its bytes.
 */
export function utf8Bytes(s: string): Uint8Array {
  return textEncoder.encode(s);
}
