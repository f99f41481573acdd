/**
 * The Node TCP transport: plain `node:net` sockets behind the {@link TransportFactory} contract.
 */
import * as net from 'node:net';
import type { ErrorData } from '../../errors.js';
import {
  RESERVE_FULL,
  type Transport,
  type TransportFactory,
  type TransportHandlers,
  type TransportTarget,
} from '../../runtime/ports.js';
import { transportErrorData } from './classify.js';
import type { FailureContext } from './errors.js';
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
    new TcpFailureContext(target),
    handlers,
    () => net.connect({ host: target.host, port: target.port, noDelay }),
    'connect',
    connectTimeoutMs,
  );
}

/** A TCP connection's {@link FailureContext}, its text made only when a failure needs it. */
class TcpFailureContext implements FailureContext {
  constructor(readonly target: TransportTarget) {}
  get kind(): string {
    return 'tcp';
  }
  get where(): string {
    return `${this.target.host}:${this.target.port}`;
  }
}

/** Where a socket keeps its transport, so the socket's listeners can be shared functions. */
const OWNER = Symbol('mqtt-lifeline.tcp');
type OwnedSocket = net.Socket & { [OWNER]: SocketTransport };

/**
 * One connection over a Node stream socket (TCP, or TLS with `secureConnect` as its open event).
 * A class with prototype methods, and socket listeners shared by every connection (they find
 * theirs through the socket): a connection costs its objects, not a closure context and a
 * closure per listener and step. Many idle clients in one process each pay for it.
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
  /** `whenFlushed` callbacks for the bytes in `#out`: they ride on its socket write. */
  #flushWaiters: ((flushed: boolean) => void)[] | undefined;
  /** A `'drain'` listener is on the socket (added only once a write found it full). */
  #drainListening = false;
  /** Bytes that fit below the socket's high-water mark, as of the last write or look (a lower bound). */
  #room = 0;
  /**
   * The transport said it was at its mark (`needsDrain`, `write`, `reserve`): `onDrain` is owed
   * (spec R55). The mark may be reached in `#out` alone, before any socket write; the socket
   * then takes the batch at once (the kernel has room) and emits no `'drain'`, so the transport
   * owes it itself.
   */
  #drainOwed = false;

  /** Transports with bytes to flush at the end of this synchronous run: one microtask for all. */
  static #dirty: SocketTransport[] = [];
  static #flushAll(): void {
    const dirty = SocketTransport.#dirty;
    SocketTransport.#dirty = [];
    for (const transport of dirty) transport.#flush();
  }
  // What the shared socket listeners below call: not part of the Transport interface.
  socketOpened(): void {
    if (this.#connectTimer !== undefined) clearTimeout(this.#connectTimer);
    if (this.#ending || this.#destroyed) return;
    this.#opened = true;
    this.#handlers.onOpen();
  }
  socketData(chunk: Buffer): void {
    // No data without onOpen first (spec R73): after end() while connecting, replies are dropped.
    if (this.#opened && !this.#destroyed) this.#handlers.onData(chunk);
  }
  socketError(cause: Error): void {
    this.#reportError(transportErrorData(this.#context, cause));
  }
  socketClosed(): void {
    this.#reportClose();
  }
  socketDrained(): void {
    this.#drainListening = false;
    this.#drainOwed = false;
    if (!this.#destroyed && !this.#closed) this.#handlers.onDrain?.();
  }

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
    (socket as OwnedSocket)[OWNER] = this;
    socket.on(openEvent, onOpenEvent);
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    if (connectTimeoutMs > 0) {
      this.#connectTimer = setTimeout(() => {
        const cause = Object.assign(new Error(`connect ETIMEDOUT after ${connectTimeoutMs} ms`), {
          code: 'ETIMEDOUT',
        });
        socket.destroy(cause);
      }, connectTimeoutMs);
    }
  }

  #flush(): void {
    this.#flushQueued = false;
    const bytes = this.#out.take();
    const waiters = this.#flushWaiters;
    this.#flushWaiters = undefined;
    if (bytes !== null && this.#open()) {
      const socket = this.#socket as net.Socket;
      const done =
        waiters === undefined
          ? undefined
          : (error?: Error | null) => settleAll(waiters, handedOver(socket, error));
      this.#written(socket.write(bytes, done));
    } else if (waiters !== undefined) settleAll(waiters, false);
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
    const dirty = SocketTransport.#dirty;
    dirty.push(this);
    if (dirty.length === 1) queueMicrotask(SocketTransport.#flushAll);
  }
  /**
   * After a socket write: a full socket emits `'drain'` once it has written everything. One that
   * took the bytes below its mark emits nothing, so a drain owed since the mark was reported in
   * `#out` is paid here (spec R55): else a `whenWritable()` made meanwhile never resolves.
   */
  #written(below: boolean): void {
    const socket = this.#socket as net.Socket;
    this.#room = socket.writableHighWaterMark - socket.writableLength;
    if (below) {
      if (this.#drainOwed && !this.#drainListening && this.#out.length === 0) {
        this.#drainOwed = false;
        this.#handlers.onDrain?.();
      }
      return;
    }
    if (this.#drainListening) return;
    this.#drainListening = true;
    socket.once('drain', onDrain);
  }

  write(bytes: Uint8Array): boolean {
    // Writing to an ended or destroyed socket makes Node emit an error; the owner already knows.
    if (!this.#open()) return false;
    if (bytes.length > COPY_LIMIT_BYTES) {
      // Large payloads are not worth a copy: flush what waits (order), then write them as they are.
      this.#flush();
      this.#written((this.#socket as net.Socket).write(bytes));
      return !this.needsDrain;
    }
    this.#out.append(bytes);
    this.#schedule();
    return !this.needsDrain;
  }
  reserve(size: number): number {
    if (!this.#open()) return -1;
    this.#schedule();
    const at = this.#out.reserve(size);
    // The hot path's backpressure check (spec R55): two fields, unless near the mark.
    return this.#out.length < this.#room || !this.needsDrain ? at : at + RESERVE_FULL;
  }
  get outBuffer(): Uint8Array {
    return this.#out.buffer;
  }
  get needsDrain(): boolean {
    // Read on every QoS 0 publish: below the room known at the last write it is below the mark
    // (the socket's buffer only shrinks between writes); only near the mark is the socket asked.
    const out = this.#out.length;
    if (out < this.#room) return false;
    const socket = this.#socket;
    if (socket === undefined) return false;
    this.#room = socket.writableHighWaterMark - socket.writableLength;
    if (out < this.#room) return false;
    this.#drainOwed = true;
    return true;
  }
  whenFlushed(callback: (flushed: boolean) => void): void {
    if (!this.#open()) callback(false);
    else if (this.#out.length > 0) {
      this.#flushWaiters ??= [];
      this.#flushWaiters.push(callback);
    } else if ((this.#socket as net.Socket).writableLength === 0) callback(true);
    else {
      // An empty write's callback runs after those of every earlier write.
      const socket = this.#socket as net.Socket;
      socket.write(NOTHING, (error) => callback(handedOver(socket, error)));
    }
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
  ref(): void {
    this.#socket?.ref();
    this.#connectTimer?.ref();
  }
  unref(): void {
    this.#socket?.unref();
    this.#connectTimer?.unref();
  }
}

// The socket listeners of every connection (Node calls them with the socket as `this`).
function onOpenEvent(this: OwnedSocket): void {
  this[OWNER].socketOpened();
}
function onData(this: OwnedSocket, chunk: Buffer): void {
  this[OWNER].socketData(chunk);
}
function onError(this: OwnedSocket, cause: Error): void {
  this[OWNER].socketError(cause);
}
function onClose(this: OwnedSocket): void {
  this[OWNER].socketClosed();
}
function onDrain(this: OwnedSocket): void {
  this[OWNER].socketDrained();
}

const NOTHING = new Uint8Array(0);

/**
 * Whether a write whose callback got `error` reached the operating system. Node calls back
 * without an error a write that libuv cancelled because the socket was destroyed meanwhile.
 */
function handedOver(socket: net.Socket, error: Error | null | undefined): boolean {
  return !error && !socket.destroyed;
}

function settleAll(waiters: readonly ((flushed: boolean) => void)[], flushed: boolean): void {
  for (const waiter of waiters) waiter(flushed);
}
