/**
 * The receive path: turns the byte stream from the broker into validated MQTT 3.1.1 packets.
 *
 * The broker is untrusted input, so the decoder frames packets itself (instead of handing bytes to
 * mqtt-packet's parser) and validates each one against the rules a client must enforce. Framing
 * itself lets it refuse an oversized packet from its fixed header alone, never buffer more than
 * one packet, and hand out PUBLISH payloads as views into the received chunk without copying.
 */
import { InvalidArgumentError, ProtocolError, SizeLimitError } from '../errors.js';
import { checkFirstByte, checkRemainingLength, decodeBody, type InboundPacket } from './decoderRules.js';

export type { InboundPacket, InboundPublish } from './decoderRules.js';

/**
 * The largest packet MQTT 3.1.1 can express: a 1-byte type, a 4-byte remaining length, and the
 * largest remaining length, 268435455.
 */
export const MAX_PACKET_BYTES = 1 + 4 + 268_435_455;

// Partial bodies start in a buffer of at most this size and grow by doubling, so memory tracks
// the bytes actually received, not the length an untrusted header merely declares.
const INITIAL_BODY_CAPACITY = 64 * 1024;

/** Options of {@link createDecoder}. */
export interface DecoderOptions {
  /**
   * The largest packet accepted, in bytes, counting the fixed header. A larger packet is refused
   * from its fixed header, before its body is buffered. There is no "unlimited" value: the default
   * already is the largest packet the protocol can express. Must be an integer of at least 2.
   *
   * @default 268435460 ({@link MAX_PACKET_BYTES})
   */
  readonly maxPacketBytes?: number;
  /** Receives each valid packet, in stream order. */
  onPacket(packet: InboundPacket): void;
  /** Receives the first error; the decoder then ignores all input until {@link Decoder.reset}. */
  onError(error: ProtocolError | SizeLimitError): void;
}

/** An incremental MQTT 3.1.1 decoder for the client side of one connection. */
export interface Decoder {
  /**
   * Feeds bytes from the broker, in order; chunk boundaries may fall anywhere. Calls `onPacket`
   * for each complete packet, synchronously, then `onError` at most once if the input breaks a
   * rule. Never throws because of the input. An exception thrown by a callback propagates and
   * stops the decoder, as its position in the stream would be lost.
   *
   * The decoder keeps references to `chunk` (PUBLISH payloads are views into it, and so may be a
   * partial packet), so the caller must not modify it afterwards. A push made from inside a
   * callback is queued and decoded after the current chunk.
   */
  push(chunk: Uint8Array): void;
  /** Drops all buffered bytes and any error, ready for a new connection. Safe in callbacks. */
  reset(): void;
}

/**
 * Creates a decoder for the byte stream of one connection.
 *
 * @param options - Callbacks and the packet size limit.
 * @returns The decoder.
 * @throws {@link InvalidArgumentError} when `maxPacketBytes` is not an integer of at least 2.
 */
export function createDecoder(options: DecoderOptions): Decoder {
  const limit = options.maxPacketBytes ?? MAX_PACKET_BYTES;
  if (!Number.isSafeInteger(limit) || limit < 2) {
    throw new InvalidArgumentError(`maxPacketBytes must be an integer of at least 2, got ${limit}`);
  }
  return new StreamDecoder(limit, options);
}

/**
 * The decoder's state and steps as one object with prototype methods: a connection holds one
 * small object rather than a closure context and a closure per step.
 */
class StreamDecoder implements Decoder {
  #failed = false;
  // Bumped by reset(), so a decode loop interrupted by a callback that reset the decoder stops.
  #epoch = 0;
  #busy = false;
  #queued: Uint8Array[] | null = null;
  // Fixed header of the current packet: bytes read so far (0 = between packets), first byte,
  // and the remaining length decoded so far with the weight of its next 7-bit group.
  #headerBytes = 0;
  #first = 0;
  #lengthSoFar = 0;
  #multiplier = 1;
  // The current packet's remaining length once its header is complete, else -1.
  #bodyLength = -1;
  // Body bytes of a packet that spans chunks.
  #body: Uint8Array | null = null;
  #bodyFill = 0;

  readonly #limit: number;
  // The options object itself, its callbacks called as its methods: an owner can pass one object
  // with prototype methods instead of two closures.
  readonly #sink: Pick<DecoderOptions, 'onPacket' | 'onError'>;

  constructor(limit: number, sink: Pick<DecoderOptions, 'onPacket' | 'onError'>) {
    this.#limit = limit;
    this.#sink = sink;
  }

  push(chunk: Uint8Array): void {
    if (this.#failed) return;
    if (this.#busy) {
      this.#queued ??= [];
      this.#queued.push(chunk);
      return;
    }
    this.#busy = true;
    try {
      let next: Uint8Array | undefined = chunk;
      while (next !== undefined && !this.#failed) {
        this.#decodeChunk(next);
        next = this.#queued?.shift();
      }
    } catch (error) {
      // A callback threw: the rest of the chunk is lost, so any later bytes would be misframed.
      this.#failed = true;
      this.#clear();
      this.#queued = null;
      throw error;
    } finally {
      this.#busy = false;
    }
  }

  reset(): void {
    this.#epoch++;
    this.#failed = false;
    this.#queued = null;
    this.#clear();
  }

  #clear(): void {
    this.#headerBytes = 0;
    this.#lengthSoFar = 0;
    this.#multiplier = 1;
    this.#bodyLength = -1;
    this.#body = null;
    this.#bodyFill = 0;
  }

  #fail(error: ProtocolError | SizeLimitError): void {
    this.#failed = true;
    this.#clear();
    this.#queued = null;
    this.#sink.onError(error);
  }

  /** Reads header bytes from `buf` at `off`; returns the new offset, or -1 to stop. */
  #readHeader(buf: Uint8Array, off: number): number {
    const len = buf.length;
    while (off < len) {
      const byte = buf[off++] as number;
      if (this.#headerBytes === 0) {
        this.#first = byte;
        this.#headerBytes = 1;
        const problem = checkFirstByte(byte);
        if (problem !== undefined) return this.#stop(new ProtocolError(problem));
        continue;
      }
      this.#lengthSoFar += (byte & 0x7f) * this.#multiplier;
      this.#multiplier *= 128;
      this.#headerBytes++;
      if ((byte & 0x80) !== 0) {
        if (this.#headerBytes === 5)
          return this.#stop(new ProtocolError('remaining length is longer than 4 bytes'));
        continue;
      }
      const size = this.#headerBytes + this.#lengthSoFar;
      if (size > this.#limit) return this.#stop(new SizeLimitError('PACKET_TOO_LARGE', size, this.#limit));
      const problem = checkRemainingLength(this.#first, this.#lengthSoFar);
      if (problem !== undefined) return this.#stop(new ProtocolError(problem));
      this.#bodyLength = this.#lengthSoFar;
      return off;
    }
    return off;
  }

  #stop(error: ProtocolError | SizeLimitError): number {
    this.#fail(error);
    return -1;
  }

  /** Appends `count` bytes of `buf` at `off` to the body of a packet that spans chunks. */
  #appendBody(buf: Uint8Array, off: number, count: number): void {
    const needed = this.#bodyFill + count;
    let body = this.#body;
    if (body === null || body.length < needed) {
      const grown = Math.max(needed, body === null ? INITIAL_BODY_CAPACITY : body.length * 2);
      const next = new Uint8Array(Math.min(this.#bodyLength, grown));
      if (body !== null) next.set(body.subarray(0, this.#bodyFill));
      body = next;
      this.#body = next;
    }
    body.set(buf.subarray(off, off + count), this.#bodyFill);
    this.#bodyFill = needed;
  }

  #decodeChunk(buf: Uint8Array): void {
    const startEpoch = this.#epoch;
    const len = buf.length;
    let off = 0;
    for (;;) {
      if (this.#bodyLength < 0) {
        off = this.#readHeader(buf, off);
        if (off < 0 || this.#bodyLength < 0) return;
      }
      const bodyLength = this.#bodyLength;
      let source: Uint8Array;
      let start: number;
      if (this.#body === null && len - off >= bodyLength) {
        // Fast path: the whole body is in this chunk; decode it in place.
        source = buf;
        start = off;
        off += bodyLength;
      } else {
        const count = Math.min(bodyLength - this.#bodyFill, len - off);
        this.#appendBody(buf, off, count);
        off += count;
        if (this.#bodyFill < bodyLength) return;
        source = this.#body as Uint8Array;
        start = 0;
      }
      const packetFirst = this.#first;
      const end = start + bodyLength;
      this.#clear();
      const packet = decodeBody(packetFirst, source, start, end);
      if (typeof packet === 'string') {
        this.#fail(new ProtocolError(packet));
        return;
      }
      this.#sink.onPacket(packet);
      if (this.#failed || this.#epoch !== startEpoch) return;
    }
  }
}
