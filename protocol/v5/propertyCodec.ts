/**
 * Reading and writing a property block (section 2.2.2) by walking the table of `properties.ts`.
 */
import { utf8ByteLength, varintSize, writeUint16, writeUtf8, writeVarint } from '../encodeBytes.js';
import {
  PROPERTY_BY_ID,
  type Properties,
  type PropertyInfo,
  type PropertyPlace,
  type UserProperty,
  WRITTEN_IN,
} from './properties.js';
import { type Reader, violation } from './reader.js';
import { hex, MALFORMED_PACKET, PROTOCOL_ERROR } from './reasonCodes.js';

/** A name for a property in messages: `Receive Maximum (0x21)`. */
function describe(info: PropertyInfo): string {
  // camelCase to words; "QoS" is the one name with an inner capital of its own.
  const words = info.name
    .replace('QoS', 'Qos')
    .replace(/[A-Z]/g, (c) => ` ${c}`)
    .replace(/^./, (c) => c.toUpperCase())
    .replace('Qos', 'QoS');
  return `${words} (${hex(info.id)})`;
}

/**
 * Reads a property block: its Variable Byte Integer length, then the properties. Throws a
 * {@link violation} for an identifier unknown or not allowed in `place` (Malformed Packet,
 * 2.2.2.2), a block running past the packet or a value running past the block (Malformed), a
 * repeat where the table allows none or a value the table does not allow (Protocol Error).
 *
 * @param reader - Positioned at the property length.
 * @param place - Where the block is, which decides the identifiers allowed.
 * @returns The properties, or `undefined` when the block is empty.
 */
export function readProperties(reader: Reader, place: PropertyPlace): Properties | undefined {
  const length = reader.varint('property length');
  if (length === 0) return undefined;
  reader.need(length, 'properties');
  const end = reader.pos + length;
  // Values are read against the block's end, not the packet's: none may spill over. A throw
  // ends the packet, so the end is restored only on the way out of a valid block.
  const packetEnd = reader.end;
  reader.end = end;
  const props: Record<string, unknown> = {};
  // Identifiers seen so far, as bits: every identifier of table 2-4 is below 64.
  let seenLow = 0;
  let seenHigh = 0;
  while (reader.pos < end) {
    const id = reader.varint('property identifier');
    const info = id < 256 ? PROPERTY_BY_ID[id] : undefined;
    if (info === undefined || !info.places.includes(place)) {
      throw violation(
        MALFORMED_PACKET,
        `${reader.packet} ${info === undefined ? `has the unknown property identifier ${hex(id)}` : `may not carry ${describe(info)}`} [2.2.2.2]`,
      );
    }
    if (info.onlyFrom?.[place] === 'client') {
      throw violation(PROTOCOL_ERROR, `a server may not send ${describe(info)} in ${reader.packet}`);
    }
    const bit = 1 << (id & 31);
    const seen = id < 32 ? seenLow : seenHigh;
    const repeats = info.repeats?.includes(place) === true;
    if ((seen & bit) !== 0 && !repeats) {
      throw violation(PROTOCOL_ERROR, `${reader.packet} carries ${describe(info)} more than once`);
    }
    if (id < 32) seenLow |= bit;
    else seenHigh |= bit;
    const value = readValue(reader, info);
    if (repeats) {
      const list = (props[info.name] as unknown[] | undefined) ?? [];
      list.push(value);
      props[info.name] = list;
    } else props[info.name] = value;
  }
  reader.end = packetEnd;
  return props as Properties;
}

function readValue(reader: Reader, info: PropertyInfo): unknown {
  const field = describe(info);
  let value: unknown;
  switch (info.type) {
    case 'utf8':
      value = reader.utf8(field);
      break;
    case 'binary':
      value = reader.binary(field);
      break;
    case 'pair':
      value = [reader.utf8(`${field} name`), reader.utf8(`${field} value`)];
      break;
    case 'uint16':
      value = reader.uint16(field);
      break;
    case 'uint32':
      value = reader.uint32(field);
      break;
    case 'varint':
      value = reader.varint(field);
      break;
    default:
      value = reader.byte(field);
  }
  if (typeof value !== 'number') return value;
  if (info.type === 'bool') {
    if (value > 1) throw violation(PROTOCOL_ERROR, `${reader.packet} ${field} must be 0 or 1, got ${value}`);
    return value === 1;
  }
  if (info.valid !== undefined && !info.valid(value)) {
    const reason = info.invalidReason ?? PROTOCOL_ERROR;
    throw violation(reason, `${reader.packet} ${field} must be ${info.validText}, got ${value}`);
  }
  return value;
}

/** The values of one property as a list (the repeating ones are lists already). */
function valuesOf(info: PropertyInfo, value: unknown): readonly unknown[] {
  return info.name === 'userProperties' || info.name === 'subscriptionIdentifier'
    ? (value as readonly unknown[])
    : [value];
}

function valueSize(info: PropertyInfo, value: unknown): number {
  switch (info.type) {
    case 'utf8':
      return 2 + utf8ByteLength(value as string);
    case 'binary':
      return 2 + (value as Uint8Array).length;
    case 'pair': {
      const [name, text] = value as UserProperty;
      return 4 + utf8ByteLength(name) + utf8ByteLength(text);
    }
    case 'uint16':
      return 2;
    case 'uint32':
      return 4;
    case 'varint':
      return varintSize(value as number);
    default:
      return 1;
  }
}

/**
 * The size of the properties `props` has for `place`, without the length prefix. Properties the
 * place may not carry are ignored (the per-packet types already keep them out).
 *
 * @param props - The properties, or `undefined` for none.
 * @param place - Where they go.
 * @returns Their encoded length in bytes.
 */
export function propertiesSize(props: Properties | undefined, place: PropertyPlace): number {
  if (props === undefined) return 0;
  let size = 0;
  for (const info of WRITTEN_IN[place]) {
    const value = props[info.name];
    if (value === undefined) continue;
    for (const one of valuesOf(info, value)) size += 1 + valueSize(info, one);
  }
  return size;
}

/**
 * The size of a property block: its length prefix and the properties.
 *
 * @param length - From {@link propertiesSize}.
 * @returns `length` plus the size of its Variable Byte Integer.
 */
export function blockSize(length: number): number {
  return varintSize(length) + length;
}

/**
 * Writes a property block: the length, then the properties in identifier order.
 *
 * @param buf - The packet.
 * @param at - Where the block starts.
 * @param props - The properties, or `undefined` for an empty block.
 * @param place - Where they go (which properties are written).
 * @param length - Their size, from {@link propertiesSize}.
 * @returns The offset after the block.
 */
export function writeProperties(
  buf: Uint8Array,
  at: number,
  props: Properties | undefined,
  place: PropertyPlace,
  length: number,
): number {
  let pos = writeVarint(buf, at, length);
  if (props === undefined) return pos;
  for (const info of WRITTEN_IN[place]) {
    const value = props[info.name];
    if (value === undefined) continue;
    for (const one of valuesOf(info, value)) {
      buf[pos++] = info.id;
      pos = writeValue(buf, pos, info, one);
    }
  }
  return pos;
}

function writeString(buf: Uint8Array, at: number, s: string): number {
  const n = utf8ByteLength(s);
  return writeUtf8(buf, writeUint16(buf, at, n), s, n);
}

function writeValue(buf: Uint8Array, at: number, info: PropertyInfo, value: unknown): number {
  switch (info.type) {
    case 'utf8':
      return writeString(buf, at, value as string);
    case 'binary': {
      const bytes = value as Uint8Array;
      const pos = writeUint16(buf, at, bytes.length);
      buf.set(bytes, pos);
      return pos + bytes.length;
    }
    case 'pair': {
      const [name, text] = value as UserProperty;
      return writeString(buf, writeString(buf, at, name), text);
    }
    case 'uint16':
      return writeUint16(buf, at, value as number);
    case 'uint32': {
      const n = value as number;
      buf[at] = n >>> 24;
      buf[at + 1] = (n >>> 16) & 0xff;
      return writeUint16(buf, at + 2, n & 0xffff);
    }
    case 'varint':
      return writeVarint(buf, at, value as number);
    case 'bool':
      buf[at] = value === true ? 1 : 0;
      return at + 1;
    default:
      buf[at] = value as number;
      return at + 1;
  }
}
