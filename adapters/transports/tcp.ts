/**
 * The Node TCP transport: plain `node:net` sockets behind the {@link TransportFactory} contract.
 */
import * as net from 'node:net';
import type { ErrorData } from '../../errors.js';
import type { Transport, TransportFactory, TransportHandlers, TransportTarget } from '../../runtime/ports.js';
import { type FailureContext, transportErrorData } from './errors.js';
import { COPY_LIMIT_BYTES, OutBuffer } from './outBuffer.js';

/** Options of {@link createTcpTransport}. */
export interface TcpTransportOptions {
  /**
   * Milliseconds the TCP handshake may take before the transport gives up with `TRANSPORT_ERROR`;
   * `0` leaves it to the operating system (which may wait minutes for an unreachable host).
   * The owner usually runs its own connect deadline, so this is only a safety net.
   * @default 0
   */
  readonly connectTimeoutMs?: number;
  /**
   * Disables Nagle's algorithm, so small MQTT packets (PINGREQ, PUBACK) leave at once instead of
   * waiting up to one round trip to be coalesced.
   * @default true
   */
  readonly noDelay?: boolean;
}

/**
 * Makes a TCP {@link TransportFactory}.
 *
 * Callback rules, beyond the {@link TransportHandlers} contract:
 * - `onClose` fires exactly once, also after `end()` or `destroy()`, and also when `net.connect`
 *   throws synchronously (bad port): then `onError` and `onClose` arrive in a microtask.
 * - After `destroy()` only `onClose` fires. After `end()`, `onOpen` no longer fires but
 *   `onError` may, and `onData` too if `onOpen` came before (spec R73).
 * - `end()` destroys the socket once the write side has flushed, so a peer that never closes
 *   (frozen, or half-open) cannot keep it alive.
 */
export function createTcpTransport(options: TcpTransportOptions = {}): TransportFactory {
  const connectTimeoutMs = options.connectTimeoutMs ?? 0;
  const noDelay = options.noDelay ?? true;
  return (target, handlers) => openTcp(target, handlers, connectTimeoutMs, noDelay);
}

/** The TCP {@link TransportFactory} with default options (Nagle off, no own connect timeout). */
export const tcpTransport: TransportFactory = createTcpTransport();

function openTcp(
  target: TransportTarget,
  handlers: TransportHandlers,
  connectTimeoutMs: number,
  noDelay: boolean,
): Transport {
  return new SocketTransport(
    { kind: 'tcp', where: `${target.host}:${target.port}` },
    handlers,
    () => net.connect({ host: target.host, port: target.port, noDelay }),
    'connect',
    connectTimeoutMs,
  );
}

/**
 * One connection over a Node stream socket (TCP, or TLS with `secureConnect` as its open event).
 * A class with prototype methods, so a connection costs one object and the four socket listeners
 * rather than a closure context and a closure per step and method.
 */
export class SocketTransport implements Transport {
  readonly #context: FailureContext;
  readonly #handlers: TransportHandlers;
  /** `end()` was called: the owner no longer wants `onOpen`. */
  #ending = false;
  /** `destroy()` was called: the owner wants nothing but `onClose`. */
  #destroyed = false;
  #errorReported = false;
  #closed = false;
  /** `onOpen` was delivered. */
  #opened = false;
  #connectTimer: ReturnType<typeof setTimeout> | undefined;
  #socket: net.Socket | undefined;
  // Packets written in one synchronous run go out as one socket write: a write call per packet
  // costs more CPU than encoding the packet (see bench/RESULTS.md).
  readonly #out = new OutBuffer();
  #flushQueued = false;
  readonly #flush = (): void => {
    this.#flushQueued = false;
    const bytes = this.#out.take();
    if (bytes !== null && this.#open()) this.#socket?.write(bytes);
  };

  /**
   * @param context - Names the peer in errors and says what was configured (for TLS alerts).
   * @param dial - Opens the socket; may throw (bad arguments, unreadable key file).
   * @param openEvent - The socket event after which bytes may be written.
   * @param connectTimeoutMs - Safety-net connect deadline; 0 = none.
   */
  constructor(
    context: FailureContext,
    handlers: TransportHandlers,
    dial: () => net.Socket,
    openEvent: 'connect' | 'secureConnect',
    connectTimeoutMs: number,
  ) {
    this.#context = context;
    this.#handlers = handlers;
    let socket: net.Socket;
    try {
      socket = dial();
    } catch (cause) {
      // Bad arguments throw synchronously; the contract promises callbacks, not exceptions, and the
      // owner has not received the Transport yet, so deliver them after it has.
      queueMicrotask(() => {
        this.#reportError(transportErrorData(this.#context, cause));
        this.#reportClose();
      });
      return;
    }
    this.#socket = socket;
    socket.on(openEvent, () => {
      if (this.#connectTimer !== undefined) clearTimeout(this.#connectTimer);
      if (this.#ending || this.#destroyed) return;
      this.#opened = true;
      this.#handlers.onOpen();
    });
    socket.on('data', (chunk: Buffer) => {
      // No data without onOpen first (spec R73): after end() while connecting, replies are dropped.
      if (this.#opened && !this.#destroyed) this.#handlers.onData(chunk);
    });
    socket.on('error', (cause) => this.#reportError(transportErrorData(this.#context, cause)));
    socket.on('close', () => this.#reportClose());
    if (connectTimeoutMs > 0) {
      this.#connectTimer = setTimeout(() => {
        const cause = Object.assign(new Error(`connect ETIMEDOUT after ${connectTimeoutMs} ms`), {
          code: 'ETIMEDOUT',
        });
        socket.destroy(cause);
      }, connectTimeoutMs);
    }
  }

  // One error per transport: Node can emit a second one while tearing down (EPIPE after ECONNRESET).
  #reportError(error: ErrorData): void {
    if (this.#destroyed || this.#errorReported || this.#closed) return;
    this.#errorReported = true;
    this.#handlers.onError(error);
  }
  #reportClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#connectTimer !== undefined) clearTimeout(this.#connectTimer);
    this.#handlers.onClose();
  }
  #open(): boolean {
    const socket = this.#socket;
    return !(this.#ending || this.#destroyed || this.#closed || socket === undefined || socket.destroyed);
  }
  #schedule(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    queueMicrotask(this.#flush);
  }
  #below(): boolean {
    const socket = this.#socket as net.Socket;
    return socket.writableLength + this.#out.length < socket.writableHighWaterMark;
  }

  write(bytes: Uint8Array): boolean {
    // Writing to an ended or destroyed socket makes Node emit an error; the owner already knows.
    if (!this.#open()) return false;
    if (bytes.length > COPY_LIMIT_BYTES) {
      // Large payloads are not worth a copy: flush what waits (order), then write them as they are.
      this.#flush();
      this.#socket?.write(bytes);
      return this.#below();
    }
    this.#out.append(bytes);
    this.#schedule();
    return this.#below();
  }
  reserve(size: number): number {
    if (!this.#open()) return -1;
    this.#schedule();
    return this.#out.reserve(size);
  }
  get outBuffer(): Uint8Array {
    return this.#out.buffer;
  }
  get bufferedBytes(): number {
    const socket = this.#socket;
    return this.#destroyed || this.#closed || socket === undefined
      ? 0
      : socket.writableLength + this.#out.length;
  }
  end(): void {
    if (this.#ending || this.#destroyed || this.#closed) return;
    if (this.#socket === undefined) {
      this.#ending = true;
      return;
    }
    this.#flush();
    this.#ending = true;
    const socket = this.#socket;
    socket.once('finish', () => socket.destroy());
    socket.end();
  }
  destroy(): void {
    if (this.#destroyed || this.#closed) return;
    this.#destroyed = true;
    this.#socket?.destroy();
  }
}
