/**
 * The bytes a transport will write at the end of the current synchronous run, in one buffer.
 * Encoders can write straight into it (`reserve`), so a small packet costs no allocation and no
 * copy; `append` copies packets that were encoded elsewhere. Shared by every stream transport.
 */

/** Smallest buffer started (Node pools allocations up to 4 KiB, so small ones are cheap). */
const MIN_BYTES = 512;
/** Largest size remembered from one batch for the next buffer. */
const MAX_HINT_BYTES = 1024 * 1024;
/** Above this, an appended packet is written on its own instead of being copied. */
export const COPY_LIMIT_BYTES = 64 * 1024;

/** The buffer of an idle OutBuffer: zero-length, so nothing is ever written to it, and shared. */
const EMPTY = new Uint8Array(0);

/** A growable write buffer; `take()` hands its bytes over and starts a fresh one. */
export class OutBuffer {
  #buffer: Uint8Array = EMPTY;
  #length = 0;
  /** The last batch's size: the next buffer starts that big, so a steady stream rarely regrows. */
  #hint = MIN_BYTES;

  /** Bytes waiting. */
  get length(): number {
    return this.#length;
  }

  /** The buffer `reserve` returned offsets into (valid until the next `reserve`, `append` or `take`). */
  get buffer(): Uint8Array {
    return this.#buffer;
  }

  /** Makes room for `size` bytes at the end and returns their offset in {@link OutBuffer.buffer}. */
  reserve(size: number): number {
    const at = this.#length;
    const needed = at + size;
    if (needed > this.#buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.#hint, needed * 2));
      grown.set(this.#buffer.subarray(0, at));
      this.#buffer = grown;
    }
    this.#length = needed;
    return at;
  }

  /** Copies `bytes` to the end. */
  append(bytes: Uint8Array): void {
    const at = this.reserve(bytes.length);
    this.#buffer.set(bytes, at);
  }

  /**
   * Hands over the bytes waiting (or null when there are none). The next write starts a new
   * buffer, because the socket keeps a reference to the one it was given until it is flushed.
   */
  take(): Uint8Array | null {
    if (this.#length === 0) return null;
    const out = this.#buffer.subarray(0, this.#length);
    this.#hint = Math.min(MAX_HINT_BYTES, Math.max(MIN_BYTES, this.#length));
    this.#buffer = EMPTY;
    this.#length = 0;
    return out;
  }

  /** Drops everything waiting. */
  clear(): void {
    this.#buffer = EMPTY;
    this.#length = 0;
  }
}
