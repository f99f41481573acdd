/**
 * The Node TCP transport: plain `node:net` sockets behind the {@link TransportFactory} contract.
 */
import * as net from 'node:net';
import { type ErrorData, TransportError } from '../../errors.js';
import type { Transport, TransportFactory, TransportHandlers, TransportTarget } from '../../runtime/ports.js';
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
 *   `onData`/`onError` may, until the socket is closed.
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
  return new TcpTransport(target, handlers, connectTimeoutMs, noDelay);
}

/**
 * One TCP connection. A class with prototype methods, so a connection costs one object and the
 * four socket listeners rather than a closure context and a closure per step and method.
 */
class TcpTransport implements Transport {
  readonly #where: string;
  readonly #handlers: TransportHandlers;
  /** `end()` was called: the owner no longer wants `onOpen`. */
  #ending = false;
  /** `destroy()` was called: the owner wants nothing but `onClose`. */
  #destroyed = false;
  #errorReported = false;
  #closed = false;
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

  constructor(
    target: TransportTarget,
    handlers: TransportHandlers,
    connectTimeoutMs: number,
    noDelay: boolean,
  ) {
    this.#where = `${target.host}:${target.port}`;
    this.#handlers = handlers;
    let socket: net.Socket;
    try {
      socket = net.connect({ host: target.host, port: target.port, noDelay });
    } catch (cause) {
      // Bad arguments throw synchronously; the contract promises callbacks, not exceptions, and the
      // owner has not received the Transport yet, so deliver them after it has.
      queueMicrotask(() => {
        this.#reportError(transportError(this.#where, cause));
        this.#reportClose();
      });
      return;
    }
    this.#socket = socket;
    socket.on('connect', () => {
      if (this.#connectTimer !== undefined) clearTimeout(this.#connectTimer);
      if (!this.#ending && !this.#destroyed) this.#handlers.onOpen();
    });
    socket.on('data', (chunk: Buffer) => {
      if (!this.#destroyed) this.#handlers.onData(chunk);
    });
    socket.on('error', (cause) => this.#reportError(transportError(this.#where, cause)));
    socket.on('close', () => this.#reportClose());
    if (connectTimeoutMs > 0) {
      this.#connectTimer = setTimeout(() => {
        const cause = Object.assign(
          new Error(`connect ETIMEDOUT ${this.#where} after ${connectTimeoutMs} ms`),
          {
            code: 'ETIMEDOUT',
          },
        );
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

/** Turns a Node error into plain error data that names the peer and the errno code. */
function transportError(where: string, cause: unknown): ErrorData {
  const message = cause instanceof Error ? cause.message : String(cause);
  const code = (cause as { code?: unknown } | null)?.code;
  // Node's messages usually embed the code ("connect ECONNREFUSED 127.0.0.1:1"), but not always.
  const withCode = typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
  return new TransportError(`tcp ${where}: ${withCode}`, { cause }).toData();
}
