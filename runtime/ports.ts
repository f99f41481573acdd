/**
 * The ports the runtime owns: what it needs from the outside world, as interfaces. Adapters
 * (adapters/transports/, adapters/clocks/) implement them; entry points wire the defaults. The
 * runtime imports nothing from adapters/ (see docs/architecture.md).
 *
 * Transports: the one small interface every transport implements (TCP, TLS, WebSocket; Node or
 * browser). A transport carries bytes; it knows nothing of MQTT. Each runtime has its own file.
 *
 * @module
 */
import type { ErrorData } from '../errors.js';

/** Where to connect. `host`/`port` for TCP and TLS; `url` for WebSocket transports. */
export interface TransportTarget {
  /** Host name or address. */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
  /** Full URL for URL-based transports (WebSocket); ignored by TCP. */
  readonly url?: string;
}

/** What a transport reports to its owner. All callbacks may be called synchronously. */
export interface TransportHandlers {
  /** The connection is established; bytes may be written. */
  onOpen(): void;
  /** Bytes arrived (in order; may hold several packets or part of one). */
  onData(chunk: Uint8Array): void;
  /** The connection failed or broke; `onClose` follows. */
  onError(error: ErrorData): void;
  /** The connection is gone; called exactly once per transport, after `onError` if any. */
  onClose(): void;
}

/** An open (or opening) connection. */
export interface Transport {
  /** Writes bytes; returns false when the runtime buffer is above its high-water mark. */
  write(bytes: Uint8Array): boolean;
  /**
   * Optional zero-copy path: makes room for `size` bytes that go out after what was written so
   * far, and returns their offset in {@link Transport.outBuffer} (the caller fills them at once);
   * -1 when the transport is closed. Transports without it get packets through `write`.
   */
  reserve?(size: number): number;
  /** The buffer `reserve` offsets point into; valid until the next `write` or `reserve`. */
  readonly outBuffer?: Uint8Array;
  /** Bytes accepted by `write` and not yet handed to the operating system. */
  readonly bufferedBytes: number;
  /** Flushes what was written, then closes. `onClose` follows. Idempotent. */
  end(): void;
  /** Closes at once, dropping unwritten bytes. `onClose` follows. Idempotent. */
  destroy(): void;
}

/** Opens transports: the one thing a runtime supplies to connect somewhere. */
export type TransportFactory = (target: TransportTarget, handlers: TransportHandlers) => Transport;

/**
 * A clock: the only way time enters mqtt-lifeline. XState's `Clock` (setTimeout / clearTimeout)
 * plus `now()` for journal timestamps; the statechart's timers and the journal's timestamps both
 * come from one injected clock, so a simulated clock drives everything.
 */
export interface RuntimeClock {
  /** Milliseconds on this clock's timeline (monotonic for the system clock). */
  now(): number;
  /** Calls `fn` after `ms` milliseconds of this clock's time; returns a handle for `clearTimeout`. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a pending `setTimeout`. */
  clearTimeout(handle: unknown): void;
}

/**
 * What an entry point plugs into the runtime's ports when the options name none: `mqtt-lifeline`
 * wires Node's TCP transport and the system clock; a browser entry wires its own.
 */
export interface RuntimeDefaults {
  /** The transport for servers that name none. */
  readonly transport: TransportFactory;
  /** The clock when the options name none. */
  readonly clock: RuntimeClock;
}
