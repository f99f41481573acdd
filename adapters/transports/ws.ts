/**
 * The Node WebSocket transport (`ws://`, `wss://`) on the `ws` package (spec R76-R77): subprotocol
 * `mqtt`, binary frames only, everything written in one synchronous run sent as one frame (as
 * Mongoose does); inbound frames are passed on as they come, so a packet may span frames and a
 * frame may hold several packets. The TLS settings of `mqtts://` apply to `wss://`.
 */
import type * as net from 'node:net';
import WebSocket from 'ws';
import type { ErrorData } from '../../errors.js';
import {
  RESERVE_FULL,
  type Transport,
  type TransportFactory,
  type TransportHandlers,
  type TransportTarget,
} from '../../runtime/ports.js';
import { webSocketUrl } from '../../runtime/serverUrl.js';
import { transportErrorData } from './classify.js';
import { type FailureContext, failure } from './errors.js';
import { OutBuffer } from './outBuffer.js';
import { tlsConnectOptions } from './tls.js';
import { checkTlsSettings } from './tlsSettings.js';

/** Options of {@link createWsTransport}. */
export interface WsTransportOptions {
  /**
   * Milliseconds the TCP, TLS and HTTP upgrade handshakes may take (`TIMED_OUT` after); 0 = no
   * limit of its own (the client's connect timeout still applies).
   * @default 0
   */
  readonly connectTimeoutMs?: number;
  /**
   * Extra HTTP headers for the upgrade request (an `Authorization` token, a cookie).
   * @default none
   */
  readonly headers?: Readonly<Record<string, string>>;
}

/** `write` reports backpressure above this many buffered bytes. */
export const WS_HIGH_WATER_BYTES = 64 * 1024;
/** Largest WebSocket message accepted: MQTT's largest packet (the decoder enforces the client's own limit). */
const MAX_MESSAGE_BYTES = 268_435_460;

/** The `ws://` / `wss://` URL of a target. */
export function targetUrl(target: TransportTarget): string {
  if (target.url !== undefined) return target.url;
  const scheme = target.scheme === 'wss' || target.scheme === 'mqtts' ? 'wss' : 'ws';
  return webSocketUrl(scheme, target.host, target.port, '/mqtt');
}

/** `whenFlushed` callbacks waiting on one `send` (or on none). */
type Waiters = ((flushed: boolean) => void)[];
const NO_WAITERS: Waiters = [];

/**
 * The stream under a `ws` connection: its request's socket while the handshake runs, the same
 * socket once upgraded. `ws` keeps it private (`_req`, `_socket`); only `ref`/`unref` reach it.
 */
function rawSocket(ws: WebSocket): net.Socket | undefined {
  const internals = ws as unknown as {
    _socket?: net.Socket | null;
    _req?: { socket?: net.Socket | null } | null;
  };
  return internals._socket ?? internals._req?.socket ?? undefined;
}

/** One MQTT-over-WebSocket connection. */
class WsTransport implements Transport {
  readonly #context: FailureContext;
  readonly #handlers: TransportHandlers;
  #socket: WebSocket | undefined;
  #ending = false;
  #destroyed = false;
  #errorReported = false;
  #closed = false;
  readonly #out = new OutBuffer();
  #flushQueued = false;
  /** `whenFlushed` callbacks for the bytes in `#out`: they ride on its `send`. */
  #flushWaiters: Waiters | undefined;
  /** Per `send` not yet called back, in order: the callbacks waiting on it. */
  readonly #sends: Waiters[] = [];
  /** A write left the transport at its high-water mark: `onDrain` is owed (spec R55). */
  #drainOwed = false;
  /** Whether the socket keeps the process alive (spec R50, R52). */
  #held = true;
  readonly #flush = (): void => {
    this.#flushQueued = false;
    const socket = this.#socket;
    // Before `open`, bytes wait in the buffer (ws cannot send while connecting).
    if (socket === undefined || socket.readyState !== WebSocket.OPEN) return;
    const bytes = this.#out.take();
    if (bytes === null) return;
    this.#sends.push(this.#flushWaiters ?? NO_WAITERS);
    this.#flushWaiters = undefined;
    socket.send(bytes, { binary: true }, this.#sent);
  };
  /** A `send` was written to the socket (or failed): ws calls back sends in order. */
  readonly #sent = (error?: Error): void => {
    const waiters = this.#sends.shift();
    if (waiters === undefined) return; // closed meanwhile: settled then
    const flushed = !error && !this.#closed && rawSocket(this.#socket as WebSocket)?.destroyed === false;
    for (const waiter of waiters) waiter(flushed);
    if (this.#drainOwed && flushed && !this.needsDrain) {
      this.#drainOwed = false;
      this.#handlers.onDrain?.();
    }
  };

  constructor(target: TransportTarget, handlers: TransportHandlers, options: WsTransportOptions) {
    const url = targetUrl(target);
    const t = target.tls ?? {};
    this.#context = {
      kind: url.startsWith('wss:') ? 'wss' : 'ws',
      where: url,
      psk: t.psk !== undefined,
      clientCert: t.cert !== undefined || t.certFile !== undefined,
    };
    this.#handlers = handlers;
    let socket: WebSocket;
    try {
      const { host: _h, port: _p, ...tls } = url.startsWith('wss:') ? tlsConnectOptions(target) : {};
      socket = new WebSocket(url, 'mqtt', {
        ...tls,
        perMessageDeflate: false,
        maxPayload: MAX_MESSAGE_BYTES,
        ...(options.connectTimeoutMs ? { handshakeTimeout: options.connectTimeoutMs } : {}),
        ...(options.headers ? { headers: { ...options.headers } } : {}),
      });
    } catch (cause) {
      // A bad URL or unreadable key file: the contract promises callbacks, delivered once the
      // owner has the transport.
      queueMicrotask(() => {
        this.#reportError(transportErrorData(this.#context, cause));
        this.#reportClose();
      });
      return;
    }
    this.#socket = socket;
    socket.on('open', () => {
      if (this.#ending || this.#destroyed) return;
      this.#handlers.onOpen();
      this.#flush();
    });
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (this.#destroyed || this.#closed) return;
      if (!isBinary) {
        // MQTT over WebSocket is binary only: a text frame closes the connection (MQTT 3.1.1 6.0).
        this.#reportError(failure(this.#context, 'WS_PROTOCOL', 'the server sent a text frame'));
        socket.terminate();
        return;
      }
      this.#handlers.onData(data);
    });
    socket.on('unexpected-response', (request, response) => {
      this.#reportError(
        failure(
          this.#context,
          'WS_HANDSHAKE',
          `HTTP ${response.statusCode} ${response.statusMessage ?? ''}`.trim(),
        ),
      );
      request.destroy();
      socket.terminate();
    });
    socket.on('error', (cause) => this.#reportError(transportErrorData(this.#context, cause)));
    socket.on('close', () => this.#reportClose());
  }

  #reportError(error: ErrorData): void {
    if (this.#destroyed || this.#ending || this.#errorReported || this.#closed) return;
    this.#errorReported = true;
    this.#handlers.onError(error);
  }
  #reportClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#out.clear();
    const waiters = this.#flushWaiters;
    this.#flushWaiters = undefined;
    if (waiters !== undefined) for (const waiter of waiters) waiter(false);
    for (const pending of this.#sends.splice(0)) for (const waiter of pending) waiter(false);
    this.#handlers.onClose();
  }
  #writable(): boolean {
    return !(this.#ending || this.#destroyed || this.#closed || this.#socket === undefined);
  }
  #schedule(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    queueMicrotask(this.#flush);
  }

  write(bytes: Uint8Array): boolean {
    if (!this.#writable()) return false;
    // One frame per synchronous run; ws copies to mask anyway, so large packets are copied too.
    this.#out.append(bytes);
    this.#schedule();
    return !this.#full();
  }
  reserve(size: number): number {
    if (!this.#writable()) return -1;
    this.#schedule();
    const at = this.#out.reserve(size);
    return this.#full() ? at + RESERVE_FULL : at;
  }
  /** Whether the transport is at its high-water mark; if so, `onDrain` is owed. */
  #full(): boolean {
    if (!this.needsDrain) return false;
    this.#drainOwed = true;
    return true;
  }
  get needsDrain(): boolean {
    return this.bufferedBytes >= WS_HIGH_WATER_BYTES;
  }
  whenFlushed(callback: (flushed: boolean) => void): void {
    if (!this.#writable()) callback(false);
    else if (this.#out.length > 0) {
      // They ride on the next send (after `open`, for bytes written while connecting).
      this.#flushWaiters ??= [];
      this.#flushWaiters.push(callback);
    } else {
      // Sends are called back in order: waiting on the last one waits on all.
      const last = this.#sends.length - 1;
      if (last < 0) callback(true);
      else if (this.#sends[last] === NO_WAITERS) this.#sends[last] = [callback];
      else (this.#sends[last] as Waiters).push(callback);
    }
  }
  get outBuffer(): Uint8Array {
    return this.#out.buffer;
  }
  get bufferedBytes(): number {
    if (this.#destroyed || this.#closed || this.#socket === undefined) return 0;
    return this.#socket.bufferedAmount + this.#out.length;
  }
  end(): void {
    if (this.#ending || this.#destroyed || this.#closed) return;
    this.#flush();
    this.#ending = true;
    // A close handshake; ws destroys the socket if the peer does not answer within its timeout,
    // and the owner destroys it after its own grace period.
    if (this.#socket?.readyState === WebSocket.CONNECTING) this.#socket.terminate();
    else this.#socket?.close(1000);
  }
  destroy(): void {
    if (this.#destroyed || this.#closed) return;
    this.#destroyed = true;
    this.#out.clear();
    this.#socket?.terminate();
  }
  ref(): void {
    this.#held = true;
    this.#hold();
  }
  unref(): void {
    this.#held = false;
    this.#hold();
  }
  /** Applies `#held` to the socket; one not made yet (the request dials on the next tick) gets it when it is. */
  #hold(): void {
    const ws = this.#socket;
    if (ws === undefined) return;
    const raw = rawSocket(ws);
    if (raw !== undefined) {
      if (this.#held) raw.ref();
      else raw.unref();
      return;
    }
    (ws as unknown as { _req?: { once(event: 'socket', listener: () => void): void } | null })._req?.once(
      'socket',
      () => this.#hold(),
    );
  }
}

/**
 * Makes a Node WebSocket {@link TransportFactory} (`ws` package). The target's `url` (built by the
 * client from `ws://` / `wss://` and the path, default `/mqtt`) is opened with subprotocol `mqtt`.
 * Failures are `TRANSPORT_ERROR` with a reason: `WS_HANDSHAKE` (HTTP status, no `mqtt`
 * subprotocol), `WS_PROTOCOL` (a text frame, a bad frame), or those of TCP and TLS. Its `checkTls`
 * checks `wss://` settings when a client is constructed (spec R72).
 */
export function createWsTransport(options: WsTransportOptions = {}): TransportFactory {
  const factory: TransportFactory = (target, handlers) => new WsTransport(target, handlers, options);
  return Object.assign(factory, { checkTls: checkTlsSettings });
}

/** The Node WebSocket {@link TransportFactory} with default options. */
export const wsTransport: TransportFactory = createWsTransport();
