/**
 * Flow control and backpressure of a connection: the session's I/O straight to the current
 * transport (the hot path: one hop), and the waiters for room (`whenWritable`, spec R55) and for
 * bytes handed to the operating system (`whenFlushed`, spec R54). Internal: not in the index.
 *
 * @module
 */
import type { SessionIO } from '../protocol/sessionTypes.js';
import type { Transport } from './ports.js';
import type { ClientEvent, DrainEvent } from './types.js';

const DRAIN: DrainEvent = Object.freeze({ type: 'drain' });

/**
 * The transport as the session writes to it. A base class rather than an object of its own: many
 * idle clients in one process each pay for one object, not two.
 */
export abstract class TransportFlow implements SessionIO {
  /** The current transport, if any. */
  transport: Transport | null = null;
  /** `whenWritable` callers, made on first use. */
  #drainWaiters: (() => void)[] | undefined;

  /** Where the session's events (and `drain`) go. */
  abstract emit(event: ClientEvent): void;

  /** What a session's completion callback threw: reported, never rethrown (R63). */
  abstract callbackError(thrown: unknown): void;

  write(bytes: Uint8Array): boolean {
    return this.transport?.write(bytes) ?? false;
  }
  reserve(size: number): number {
    return this.transport?.reserve?.(size) ?? -1;
  }
  get outBuffer(): Uint8Array | undefined {
    return this.transport?.outBuffer;
  }
  bufferedBytes(): number {
    return this.transport?.bufferedBytes ?? 0;
  }
  /**
   * True while the transport holds at least its high-water mark of bytes not yet handed to the
   * operating system (Node's `writableNeedDrain`): stop writing until {@link TransportFlow.whenWritable}.
   */
  needsDrain(): boolean {
    return this.transport?.needsDrain ?? false;
  }
  /**
   * Calls `callback(true)` once every byte written so far is handed to the operating system,
   * `callback(false)` if the connection closes first or there is none (spec R54).
   */
  whenFlushed(callback: (flushed: boolean) => void): void {
    const transport = this.transport;
    if (transport === null) callback(false);
    else if (transport.whenFlushed !== undefined) transport.whenFlushed(callback);
    // A transport that cannot tell: bytes below its high-water mark count as handed over.
    else if (!transport.needsDrain) callback(true);
    else this.#waitWritable(() => callback(this.transport === transport));
  }

  /**
   * Resolves once the transport is below its high-water mark (spec R55): at once when it is,
   * else when it drains or the connection closes (when nothing is buffered any more).
   */
  whenWritable(): Promise<void> {
    if (!this.needsDrain()) return Promise.resolve();
    return new Promise((resolve) => this.#waitWritable(resolve));
  }

  #waitWritable(waiter: () => void): void {
    this.#drainWaiters ??= [];
    this.#drainWaiters.push(waiter);
  }

  /**
   * The current transport drained (`drained`), or went away (`!drained`): either way a writer
   * waiting for room may go on (spec R55); a drain is also a `drain` event. Called by the wire.
   */
  writable(drained: boolean): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = undefined;
    if (waiters !== undefined) for (const resolve of waiters) resolve();
    if (drained) this.emit(DRAIN);
  }
}
