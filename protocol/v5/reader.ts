/**
 * Reading the MQTT 5 data types (section 1.5) out of one packet body, with the malformed-packet
 * rules of each type. A broken rule throws a {@link ProtocolViolationError}; the decoder catches
 * it once per packet and reports it (a throw ends the connection, so its cost does not matter,
 * and the valid path stays free of result checks).
 */
import { ProtocolViolationError } from '../../errors.js';
import { utf8Text } from '../encodeBytes.js';
import { hex, MALFORMED_PACKET, reasonName } from './reasonCodes.js';

/**
 * The error for a broken rule: the message ends with the reason code the client's DISCONNECT
 * carries and its name.
 *
 * @param reasonCode - 0x81 Malformed Packet, 0x82 Protocol Error ...
 * @param text - What was wrong, citing the standard.
 * @returns The error.
 */
export function violation(reasonCode: number, text: string): ProtocolViolationError {
  return new ProtocolViolationError(
    reasonCode,
    `${text} (${hex(reasonCode)} ${reasonName(reasonCode, 'DISCONNECT')})`,
  );
}

/** A cursor over `buf[pos..end)`, the body of one packet, named for messages. */
export class Reader {
  /** The packet's bytes. */
  readonly buf: Uint8Array;
  /** The next byte to read. */
  pos: number;
  /** The end of what may be read (exclusive): the body's, or a property block's while in one. */
  end: number;
  /** The packet's name, for messages (`CONNACK`). */
  readonly packet: string;

  constructor(buf: Uint8Array, pos: number, end: number, packet: string) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
    this.packet = packet;
  }

  /** Bytes left before {@link Reader.end}. */
  get left(): number {
    return this.end - this.pos;
  }

  /** Throws Malformed Packet unless `count` more bytes are there. */
  need(count: number, field: string): void {
    if (this.pos + count > this.end) {
      throw violation(MALFORMED_PACKET, `${this.packet} ends inside its ${field}`);
    }
  }

  /** Reads a Byte. */
  byte(field: string): number {
    this.need(1, field);
    return this.buf[this.pos++] as number;
  }

  /** Reads a Two Byte Integer (1.5.2). */
  uint16(field: string): number {
    this.need(2, field);
    const value = ((this.buf[this.pos] as number) << 8) | (this.buf[this.pos + 1] as number);
    this.pos += 2;
    return value;
  }

  /** Reads a Four Byte Integer (1.5.3). */
  uint32(field: string): number {
    this.need(4, field);
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    // Multiplication, not `<< 24`, so values from 2^31 stay positive.
    return (
      (b[p] as number) * 0x1000000 +
      (((b[p + 1] as number) << 16) | ((b[p + 2] as number) << 8) | (b[p + 3] as number))
    );
  }

  /** Reads a Variable Byte Integer in its shortest form, at most 4 bytes [MQTT-1.5.5-1]. */
  varint(field: string): number {
    let value = 0;
    let weight = 1;
    for (let i = 0; i < 4; i++) {
      const byte = this.byte(field);
      value += (byte & 0x7f) * weight;
      if ((byte & 0x80) === 0) {
        // A last byte of 0 after a continuation adds nothing: a longer form than needed.
        if (byte === 0 && i > 0) {
          throw violation(
            MALFORMED_PACKET,
            `${this.packet} ${field} is not in its shortest form [MQTT-1.5.5-1]`,
          );
        }
        return value;
      }
      weight *= 128;
    }
    throw violation(
      MALFORMED_PACKET,
      `${this.packet} ${field} is a Variable Byte Integer longer than 4 bytes [MQTT-1.5.5-1]`,
    );
  }

  /** Reads Binary Data (1.5.6): a Two Byte length, then that many bytes, as a copy. */
  binary(field: string): Uint8Array {
    const length = this.uint16(field);
    this.need(length, field);
    // A plain copy: properties outlive the chunk, unlike a PUBLISH payload handed on at once.
    const bytes = new Uint8Array(length);
    bytes.set(this.buf.subarray(this.pos, this.pos + length));
    this.pos += length;
    return bytes;
  }

  /**
   * Reads a UTF-8 Encoded String (1.5.4): well-formed UTF-8 [MQTT-1.5.4-1] without U+0000
   * [MQTT-1.5.4-2], both Malformed Packet. A leading U+FEFF is kept [MQTT-1.5.4-3].
   */
  utf8(field: string): string {
    const length = this.uint16(field);
    this.need(length, field);
    const start = this.pos;
    const end = start + length;
    // U+0000 can only be the byte 0 in well-formed UTF-8, so a byte scan finds it.
    for (let i = start; i < end; i++) {
      if (this.buf[i] === 0) {
        throw violation(MALFORMED_PACKET, `${this.packet} ${field} contains U+0000 [MQTT-1.5.4-2]`);
      }
    }
    const text = utf8Text(this.buf.subarray(start, end));
    if (text === undefined) {
      throw violation(MALFORMED_PACKET, `${this.packet} ${field} is not well-formed UTF-8 [MQTT-1.5.4-1]`);
    }
    this.pos = end;
    return text;
  }
}
