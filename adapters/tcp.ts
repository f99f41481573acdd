/**
 * The Node TCP transport: plain `node:net` sockets behind the {@link TransportFactory} contract.
 */
import * as net from 'node:net';
import type { ErrorData } from '../errors.js';
import { COPY_LIMIT_BYTES, OutBuffer } from './outBuffer.js';
import type { Transport, TransportFactory, TransportHandlers, TransportTarget } from './transport.js';

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
  const where = `${target.host}:${target.port}`;
  /** `end()` was called: the owner no longer wants `onOpen`. */
  let ending = false;
  /** `destroy()` was called: the owner wants nothing but `onClose`. */
  let destroyed = false;
  let errorReported = false;
  let closed = false;
  let connectTimer: ReturnType<typeof setTimeout> | undefined;

  const reportError = (error: ErrorData): void => {
    // One error per transport: Node can emit a second one while tearing down (EPIPE after ECONNRESET).
    if (destroyed || errorReported || closed) return;
    errorReported = true;
    handlers.onError(error);
  };
  const reportClose = (): void => {
    if (closed) return;
    closed = true;
    if (connectTimer !== undefined) clearTimeout(connectTimer);
    handlers.onClose();
  };

  let socket: net.Socket;
  try {
    socket = net.connect({ host: target.host, port: target.port, noDelay });
  } catch (cause) {
    // Bad arguments throw synchronously; the contract promises callbacks, not exceptions, and the
    // owner has not received the Transport yet, so deliver them after it has.
    queueMicrotask(() => {
      reportError(transportError(where, cause));
      reportClose();
    });
    return {
      write: () => false,
      bufferedBytes: 0,
      end: () => {
        ending = true;
      },
      destroy: () => {
        destroyed = true;
      },
    };
  }

  socket.on('connect', () => {
    if (connectTimer !== undefined) clearTimeout(connectTimer);
    if (!ending && !destroyed) handlers.onOpen();
  });
  socket.on('data', (chunk: Buffer) => {
    if (!destroyed) handlers.onData(chunk);
  });
  socket.on('error', (cause) => reportError(transportError(where, cause)));
  socket.on('close', reportClose);

  if (connectTimeoutMs > 0) {
    connectTimer = setTimeout(() => {
      const cause = Object.assign(new Error(`connect ETIMEDOUT ${where} after ${connectTimeoutMs} ms`), {
        code: 'ETIMEDOUT',
      });
      socket.destroy(cause);
    }, connectTimeoutMs);
  }

  // Packets written in one synchronous run go out as one socket write: a write call per packet
  // costs more CPU than encoding the packet (see bench/RESULTS.md).
  const out = new OutBuffer();
  let flushQueued = false;
  const open = (): boolean => !(ending || destroyed || closed || socket.destroyed);
  const flush = (): void => {
    flushQueued = false;
    const bytes = out.take();
    if (bytes !== null && open()) socket.write(bytes);
  };
  const schedule = (): void => {
    if (flushQueued) return;
    flushQueued = true;
    queueMicrotask(flush);
  };
  const below = (): boolean => socket.writableLength + out.length < socket.writableHighWaterMark;

  return {
    write(bytes: Uint8Array): boolean {
      // Writing to an ended or destroyed socket makes Node emit an error; the owner already knows.
      if (!open()) return false;
      if (bytes.length > COPY_LIMIT_BYTES) {
        // Large payloads are not worth a copy: flush what waits (order), then write them as they are.
        flush();
        socket.write(bytes);
        return below();
      }
      out.append(bytes);
      schedule();
      return below();
    },
    reserve(size: number): number {
      if (!open()) return -1;
      schedule();
      return out.reserve(size);
    },
    get outBuffer(): Uint8Array {
      return out.buffer;
    },
    get bufferedBytes(): number {
      return destroyed || closed ? 0 : socket.writableLength + out.length;
    },
    end(): void {
      if (ending || destroyed || closed) return;
      flush();
      ending = true;
      socket.once('finish', () => socket.destroy());
      socket.end();
    },
    destroy(): void {
      if (destroyed || closed) return;
      destroyed = true;
      socket.destroy();
    },
  };
}

/** Turns a Node error into plain error data that names the peer and the errno code. */
function transportError(where: string, cause: unknown): ErrorData {
  const message = cause instanceof Error ? cause.message : String(cause);
  const code = (cause as { code?: unknown } | null)?.code;
  // Node's messages usually embed the code ("connect ECONNREFUSED 127.0.0.1:1"), but not always.
  const withCode = typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
  return { code: 'TRANSPORT_ERROR', message: `tcp ${where}: ${withCode}` };
}
