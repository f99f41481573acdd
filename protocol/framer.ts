/**
 * Framing of the byte stream from the broker, shared by the MQTT 3.1.1 and MQTT 5 decoders: the
 * fixed header, the remaining-length varint, the size limit, chunk boundaries and the error
 * latch live here once; what a packet may contain comes from a {@link FrameRules} table per
 * protocol version (`decoderRules.ts`, `v5/decodeRules.ts`).
 */
import { type ProtocolError, SizeLimitError } from '../errors.js';

// Partial bodies start in a buffer of at most this size and grow by doubling, so memory tracks
// the bytes actually received, not the length an untrusted header merely declares.
const INITIAL_BODY_CAPACITY = 64 * 1024;

/**
 * One protocol version's rules for inbound packets. Every check returns a fault instead of
 * throwing: the broker is untrusted input, and exceptions are slow on the hot path.
 *
 * @typeParam P - The packets {@link FrameRules.decodeBody} returns.
 * @typeParam F - What a check returns for a broken rule.
 */
export interface FrameRules<P, F> {
  /** Checks the first byte of a fixed header; `undefined` when acceptable. */
  checkFirstByte(first: number): F | undefined;
  /** Checks the remaining length against the packet type; `undefined` when it fits. */
  checkRemainingLength(first: number, length: number): F | undefined;
  /** Decodes and validates one body (`buf[start..end)`); PUBLISH payloads may be views into `buf`. */
  decodeBody(first: number, buf: Uint8Array, start: number, end: number): P | F;
  /** Whether `result` of {@link FrameRules.decodeBody} is a fault rather than a packet. */
  isFault(result: P | F): result is F;
  /** The fault for a remaining length longer than 4 bytes. */
  varintTooLong(): F;
  /** The error reported for a fault. */
  toError(fault: F): ProtocolError;
}

/** Where a {@link StreamDecoder} delivers: called as methods of the object passed. */
export interface FrameSink<P> {
  /** Receives each valid packet, in stream order. */
  onPacket(packet: P): void;
  /** Receives the first error; the decoder then ignores all input until {@link Decoder.reset}. */
  onError(error: ProtocolError | SizeLimitError): void;
}

/** An incremental decoder for the client side of one connection. */
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
 * The framer's state and steps as one object with prototype methods: a connection holds one
 * small object rather than a closure context and a closure per step.
 *
 * @typeParam P - The packets the rules decode.
 * @typeParam F - What the rules return for a broken rule (a message in 3.1.1, an error in 5).
 */
export class StreamDecoder<P, F> implements Decoder {
  #failed = false;
  // Bumped by reset(), so a decode loop interrupted by a callback that reset the decoder stops.
  #epoch = 0;
  #busy = false;
  #queued: Uint8Array[] | null = null;
  // Fixed header of the current packet: bytes read so far (0 = between packets), first byte,
  // and the remaining length decoded so far.
  #headerBytes = 0;
  #first = 0;
  #lengthSoFar = 0;
  // The current packet's remaining length once its header is complete, else -1.
  #bodyLength = -1;
  // Body bytes of a packet that spans chunks.
  #body: Uint8Array | null = null;
  #bodyFill = 0;

  readonly #limit: number;
  readonly #rules: FrameRules<P, F>;
  // The options object itself, its callbacks called as its methods: an owner can pass one object
  // with prototype methods instead of two closures.
  readonly #sink: FrameSink<P>;

  /**
   * @param rules - The protocol version's rules.
   * @param limit - The largest packet accepted, in bytes, counting the fixed header (validated by the caller).
   * @param sink - Where packets and the first error go.
   */
  constructor(rules: FrameRules<P, F>, limit: number, sink: FrameSink<P>) {
    this.#rules = rules;
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

  /** Reads header bytes from `buf` at `off`; returns the new offset, or -1 once it failed. */
  #readHeader(buf: Uint8Array, off: number): number {
    const len = buf.length;
    while (off < len) {
      const byte = buf[off++] as number;
      if (this.#headerBytes === 0) {
        this.#first = byte;
        this.#headerBytes = 1;
        const problem = this.#rules.checkFirstByte(byte);
        if (problem !== undefined) {
          this.#fail(this.#rules.toError(problem));
          return -1;
        }
        continue;
      }
      // Length byte k (from 1, header byte k + 1) carries bits 7(k-1) and up; at most 4 of them,
      // so the shift stays below 2^28, well inside 32-bit integers.
      this.#lengthSoFar += (byte & 0x7f) << (7 * (this.#headerBytes - 1));
      this.#headerBytes++;
      if ((byte & 0x80) !== 0) {
        if (this.#headerBytes === 5) {
          this.#fail(this.#rules.toError(this.#rules.varintTooLong()));
          return -1;
        }
        continue;
      }
      const size = this.#headerBytes + this.#lengthSoFar;
      if (size > this.#limit) {
        this.#fail(new SizeLimitError('PACKET_TOO_LARGE', size, this.#limit));
        return -1;
      }
      const problem = this.#rules.checkRemainingLength(this.#first, this.#lengthSoFar);
      if (problem !== undefined) {
        this.#fail(this.#rules.toError(problem));
        return -1;
      }
      this.#bodyLength = this.#lengthSoFar;
      return off;
    }
    return off;
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
      const packet = this.#rules.decodeBody(packetFirst, source, start, end);
      if (this.#rules.isFault(packet)) {
        this.#fail(this.#rules.toError(packet));
        return;
      }
      this.#sink.onPacket(packet);
      if (this.#failed || this.#epoch !== startEpoch) return;
    }
  }
}
