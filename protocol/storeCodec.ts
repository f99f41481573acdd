/**
 * The binary format of a session log (docs/spec.md R104-R106), pure so that recovery can be
 * proved without a disk. A log is a 12-byte header (magic `MQLSTORE`, u32 format version) and
 * frames `u32 crc32(rest of the frame) | u32 bodyLength | u32 ~bodyLength | body`, big-endian.
 * The length is stored twice so that a damaged length is told from a frame cut short by a crash;
 * the checksum covers both, so zeros never pass for a frame. A body is a type byte and its
 * fields: a packet id (u16), then for `publish` the encoded PUBLISH and, from format version 2,
 * its annex (the bytes after the PUBLISH, whose own length ends it; spec R304), for `subscribe` a
 * QoS byte and the filter, for `unsubscribe` the filter (UTF-8). Version 1 logs are read as they
 * are: their records are version 2 records without annexes.
 */
import type { StoreRecord } from './store.js';
import { publishInfo } from './storeImage.js';

/**
 * The format version written in the header (2: a `publish` record may carry an annex, R304). A log
 * of version 1 is read; one of a later version is refused.
 */
export const STORE_FORMAT_VERSION = 2;
/** The oldest format version still read. */
export const OLDEST_STORE_FORMAT_VERSION = 1;
/** The bytes every log starts with. */
export const STORE_MAGIC: Uint8Array = new TextEncoder().encode('MQLSTORE');
/** Header length: magic and version. */
export const HEADER_BYTES = 12;
const FRAME_BYTES = 12;

const TYPES = [
  'publish',
  'sent',
  'pubrec',
  'complete',
  'drop',
  'inbound',
  'release',
  'forget',
  'subscribe',
  'unsubscribe',
] as const;
const CODE: Record<StoreRecord['type'], number> = Object.fromEntries(
  TYPES.map((t, i) => [t, i + 1]),
) as Record<StoreRecord['type'], number>;

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/**
 * CRC-32 (IEEE 802.3), as zlib computes it.
 * @param bytes - The data.
 * @param from - First index. @default 0
 * @param to - End index (exclusive). @default bytes.length
 * @returns The checksum, unsigned.
 */
export function crc32(bytes: Uint8Array, from = 0, to = bytes.length): number {
  let c = -1;
  for (let i = from; i < to; i++) c = (CRC_TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The log header for the current format version. */
export function encodeHeader(): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES);
  out.set(STORE_MAGIC, 0);
  new DataView(out.buffer).setUint32(8, STORE_FORMAT_VERSION);
  return out;
}

/** The UTF-8 bytes of a record's filter, or `undefined` for records without one. */
function filterBytes(r: StoreRecord): Uint8Array | undefined {
  if (r.type === 'inbound') return r.print === undefined ? undefined : encoder.encode(r.print.topic);
  return r.type === 'subscribe' || r.type === 'unsubscribe' ? encoder.encode(r.filter) : undefined;
}

function bodySize(r: StoreRecord, filter: Uint8Array | undefined): number {
  switch (r.type) {
    case 'publish':
      return 3 + r.packet.length + (r.annex?.length ?? 0);
    case 'forget':
      return 1;
    case 'subscribe':
      return 2 + (filter?.length ?? 0);
    case 'unsubscribe':
      return 1 + (filter?.length ?? 0);
    case 'inbound':
      // id, then with a fingerprint (R213): u32 payload hash, u32 payload length, topic.
      return filter === undefined ? 3 : 11 + filter.length;
    default:
      return 3;
  }
}

/**
 * The frame of one record, in bytes.
 * @param r - The record.
 * @returns Its encoded length.
 */
export function frameSize(r: StoreRecord): number {
  return FRAME_BYTES + bodySize(r, filterBytes(r));
}

/**
 * Encodes one record as a frame into `out` at `at`, which must have {@link frameSize} bytes of
 * room: the file store encodes into one reused buffer, allocating nothing per record.
 * @param out - The buffer.
 * @param at - Where the frame starts.
 * @param r - The record.
 * @returns The offset after the frame.
 */
export function encodeRecordInto(out: Uint8Array, at: number, r: StoreRecord): number {
  const filter = filterBytes(r);
  const length = bodySize(r, filter);
  const body = at + FRAME_BYTES;
  writeUint32(out, at + 4, length);
  writeUint32(out, at + 8, ~length >>> 0);
  out[body] = CODE[r.type];
  switch (r.type) {
    case 'publish':
      out[body + 1] = r.packetId >> 8;
      out[body + 2] = r.packetId & 0xff;
      out.set(r.packet, body + 3);
      if (r.annex !== undefined) out.set(r.annex, body + 3 + r.packet.length);
      break;
    case 'forget':
      break;
    case 'subscribe':
      out[body + 1] = r.qos;
      out.set(filter as Uint8Array, body + 2);
      break;
    case 'unsubscribe':
      out.set(filter as Uint8Array, body + 1);
      break;
    case 'inbound':
      out[body + 1] = r.packetId >> 8;
      out[body + 2] = r.packetId & 0xff;
      if (r.print !== undefined && filter !== undefined) {
        writeUint32(out, body + 3, r.print.hash);
        writeUint32(out, body + 7, r.print.length);
        out.set(filter, body + 11);
      }
      break;
    default:
      out[body + 1] = r.packetId >> 8;
      out[body + 2] = r.packetId & 0xff;
  }
  const end = body + length;
  writeUint32(out, at, crc32(out, at + 4, end));
  return end;
}

function writeUint32(out: Uint8Array, at: number, value: number): void {
  out[at] = value >>> 24;
  out[at + 1] = (value >>> 16) & 0xff;
  out[at + 2] = (value >>> 8) & 0xff;
  out[at + 3] = value & 0xff;
}

/**
 * Encodes one record as a frame.
 * @param r - The record.
 * @returns The frame's bytes.
 */
export function encodeRecord(r: StoreRecord): Uint8Array {
  const out = new Uint8Array(frameSize(r));
  encodeRecordInto(out, 0, r);
  return out;
}

/** Why a log could not be read (the file store turns it into a `StoreError` naming the file). */
export class LogFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogFormatError';
  }
}

/** A decoded log. */
export interface DecodedLog {
  /** The records, oldest first. */
  readonly records: StoreRecord[];
  /** Bytes of header and whole frames: the log is truncated to this before appending. */
  readonly validBytes: number;
  /** Bytes of a torn last frame that were dropped (0 when the log ended cleanly). */
  readonly tornBytes: number;
  /** The format version in its header ({@link STORE_FORMAT_VERSION} for an empty log). */
  readonly version: number;
}

/** The length of the packet `bytes` starts with, by its fixed header (0 when that is cut short). */
function publishLength(bytes: Uint8Array): number {
  let remaining = 0;
  for (let i = 1; i <= 4; i++) {
    const byte = bytes[i];
    if (byte === undefined) return 0;
    remaining += (byte & 0x7f) * 2 ** (7 * (i - 1));
    if (byte < 0x80) return 1 + i + remaining;
  }
  return 0;
}

function decodeBody(body: Uint8Array, at: number, version: number): StoreRecord {
  const type = TYPES[(body[0] ?? 0) - 1];
  const id = ((body[1] ?? 0) << 8) | (body[2] ?? 0);
  const bad = (why: string) => new LogFormatError(`record at byte ${at}: ${why}`);
  const needId = () => {
    if (body.length !== 3 || id === 0) throw bad(`malformed ${type} record`);
  };
  switch (type) {
    case undefined:
      throw bad(`unknown record type ${body[0]}`);
    case 'publish': {
      const end = 3 + publishLength(body.subarray(3));
      if (id === 0 || end > body.length || publishInfo(body.subarray(3, end)) === undefined)
        throw bad('malformed publish record');
      // What follows the PUBLISH is its annex (version 2, R304); a version 1 record has none.
      if (end === body.length) return { type, packetId: id, packet: body.slice(3) };
      if (version < 2) throw bad('malformed publish record');
      return { type, packetId: id, packet: body.slice(3, end), annex: body.slice(end) };
    }
    case 'forget':
      if (body.length !== 1) throw bad('malformed forget record');
      return { type };
    case 'subscribe': {
      const qos = body[1];
      if (qos !== 0 && qos !== 1 && qos !== 2) throw bad('malformed subscribe record');
      return { type, qos, filter: text(body.subarray(2), bad) };
    }
    case 'unsubscribe':
      return { type, filter: text(body.subarray(1), bad) };
    case 'inbound': {
      if (body.length === 3) {
        needId();
        return { type, packetId: id };
      }
      if (body.length < 11 || id === 0) throw bad('malformed inbound record');
      const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
      const print = {
        hash: view.getUint32(3),
        length: view.getUint32(7),
        topic: text(body.subarray(11), bad),
      };
      return { type, packetId: id, print };
    }
    default:
      needId();
      return { type, packetId: id };
  }
}

function text(bytes: Uint8Array, bad: (why: string) => Error): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw bad('a filter or topic is not UTF-8');
  }
}

/**
 * Decodes a log. A last frame cut short, or whose checksum fails with nothing after it (a power
 * cut mid-write), is dropped and reported in `tornBytes`. Anything else that does not decode
 * throws: a foreign file, another format version, a bad frame followed by more data.
 * @param bytes - The whole log.
 * @returns The records and where the valid part ends.
 * @throws {@link LogFormatError} for a log that is not a readable session log.
 */
export function decodeLog(bytes: Uint8Array): DecodedLog {
  if (bytes.length < HEADER_BYTES) {
    // A header cut short (a crash while creating the file) is an empty log; anything else is foreign.
    if (!STORE_MAGIC.subarray(0, bytes.length).every((b, i) => bytes[i] === b) && bytes.length > 0) {
      throw new LogFormatError('not a session log (bad magic)');
    }
    return { records: [], validBytes: 0, tornBytes: bytes.length, version: STORE_FORMAT_VERSION };
  }
  if (!STORE_MAGIC.every((b, i) => bytes[i] === b)) throw new LogFormatError('not a session log (bad magic)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8);
  if (version < OLDEST_STORE_FORMAT_VERSION || version > STORE_FORMAT_VERSION) {
    throw new LogFormatError(
      `format version ${version}; this library reads versions ${OLDEST_STORE_FORMAT_VERSION} to ${STORE_FORMAT_VERSION}`,
    );
  }
  const records: StoreRecord[] = [];
  let at = HEADER_BYTES;
  // Zeros up to the end are blocks allocated but never written: like a cut frame, a torn write.
  let zeroTail = bytes.length;
  while (zeroTail > at && bytes[zeroTail - 1] === 0) zeroTail--;
  while (at < bytes.length) {
    const torn = { records, validBytes: at, tornBytes: bytes.length - at, version };
    if (bytes.length - at < FRAME_BYTES || zeroTail <= at + FRAME_BYTES) return torn;
    const length = view.getUint32(at + 4);
    if (length !== ~view.getUint32(at + 8) >>> 0) {
      throw new LogFormatError(`record at byte ${at}: damaged length (the file is corrupted)`);
    }
    const end = at + FRAME_BYTES + length;
    if (end > bytes.length) return torn;
    if (crc32(bytes, at + 4, end) !== view.getUint32(at)) {
      // Only the last frame can be torn; a bad one with frames after it is damage.
      if (end === bytes.length || zeroTail <= end) return torn;
      throw new LogFormatError(`record at byte ${at}: checksum mismatch (the file is corrupted)`);
    }
    records.push(decodeBody(bytes.subarray(at + FRAME_BYTES, end), at, version));
    at = end;
  }
  return { records, validBytes: at, tornBytes: 0, version };
}
