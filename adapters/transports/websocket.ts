/**
 * The browser WebSocket transport (`ws://`, `wss://`) on the global `WebSocket` (spec R76-R78).
 * No Node built-ins and no `Buffer`: this file is what a browser bundle carries. Browsers report
 * no cause for a failed WebSocket (a refused connection, a TLS failure and a refused upgrade all
 * look alike), so a failure before open is `WS_HANDSHAKE` with the close code, unless the event
 * carries an `error` (the `ws` package's class does), which is then classified.
 */
import type { ErrorData, TransportErrorReason } from '../../errors.js';
import type { Transport, TransportFactory, TransportHandlers, TransportTarget } from '../../runtime/ports.js';
import { webSocketUrl } from '../../runtime/serverUrl.js';
import { type FailureContext, failure, transportFailure } from './errors.js';

/** The part of the WHATWG `WebSocket` this transport uses (structural, so no DOM types needed). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  readonly protocol: string;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { readonly data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onclose: ((event: { readonly code?: number; readonly reason?: string }) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

/** A `WebSocket` constructor: the global one, or any class with its shape. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** Options of {@link createWebsocketTransport}. */
export interface WebSocketTransportOptions {
  /** The WebSocket class. @default globalThis.WebSocket */
  readonly WebSocket?: WebSocketConstructor;
  /**
   * Reads the `error` that some WebSocket classes (the `ws` package's) attach to their error
   * event, and what the constructor throws, into typed error data. Browsers attach none, so the
   * default keeps the browser bundle free of Node's error-code tables: an error event then
   * yields `WS_HANDSHAKE` (before open) or `CONNECTION_RESET` (after) with the close code, and a
   * constructor that throws yields `OTHER` with its message. Pass `transportErrorData` (Node's
   * classifier from `mqtt-lifeline`, as the `ws` transport uses) to read Node error codes.
   * @default none
   */
  readonly classify?: (context: FailureContext, cause: unknown) => ErrorData;
}

const OPEN = 1;
// The transport's own lifecycle, in the only order it moves: `end()` may lead to `destroy()`, and
// either to the close.
const ACTIVE = 0;
const ENDING = 1;
const DESTROYED = 2;
const CLOSED = 3;
/** `write` reports backpressure above this many buffered bytes. */
const HIGH_WATER_BYTES = 64 * 1024;

/** Without a classifier: the thrown error's message, as an `OTHER` failure. */
const unclassified = (context: FailureContext, cause: unknown): ErrorData =>
  failure(context, 'OTHER', cause instanceof Error ? cause.message : String(cause));

/** One MQTT-over-WebSocket connection in a browser. */
class BrowserWsTransport implements Transport {
  readonly #context: FailureContext;
  readonly #handlers: TransportHandlers;
  readonly #socket: WebSocketLike;
  #opened = false;
  #state: typeof ACTIVE | typeof ENDING | typeof DESTROYED | typeof CLOSED = ACTIVE;
  /**
   * The first classified error's data, held until `close` (whose code says more than a browser's
   * error): `undefined` until an error event, `null` while none could be classified.
   */
  #error: ErrorData | null | undefined;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  readonly #flush = (): void => {
    if (this.#socket.readyState !== OPEN || this.#pending.length === 0) return;
    const chunks = this.#pending;
    this.#pending = [];
    const total = this.#pendingBytes;
    this.#pendingBytes = 0;
    if (chunks.length === 1) {
      this.#socket.send(chunks[0] as Uint8Array);
      return;
    }
    // One frame per synchronous run, as Mongoose sends one frame per poll.
    const frame = new Uint8Array(total);
    let at = 0;
    for (const chunk of chunks) {
      frame.set(chunk, at);
      at += chunk.length;
    }
    this.#socket.send(frame);
  };

  constructor(
    Ctor: WebSocketConstructor,
    url: string,
    context: FailureContext,
    handlers: TransportHandlers,
    classify: WebSocketTransportOptions['classify'],
  ) {
    this.#context = context;
    this.#handlers = handlers;
    const socket = new Ctor(url, 'mqtt');
    this.#socket = socket;
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => {
      if (this.#state !== ACTIVE) return;
      this.#opened = true;
      this.#handlers.onOpen();
      this.#flush();
    };
    socket.onmessage = (event) => {
      if (this.#state >= DESTROYED) return;
      const data = event.data;
      if (data instanceof ArrayBuffer) {
        this.#handlers.onData(new Uint8Array(data));
        return;
      }
      // MQTT over WebSocket is binary only (MQTT 3.1.1 6.0). The close handshake may never be
      // answered by such a peer, so the owner hears of the close now.
      if (this.#state === ACTIVE)
        this.#handlers.onError(failure(context, 'WS_PROTOCOL', 'the server sent a text frame'));
      socket.close(1002);
      this.#finish();
    };
    socket.onerror = (event) => {
      const error = (event as { error?: unknown } | null)?.error;
      this.#error ??= classify !== undefined && error instanceof Error ? classify(context, error) : null;
    };
    socket.onclose = (event) => this.#onClose(event.code, event.reason);
  }

  #onClose(code: number | undefined, why: string | undefined): void {
    if (this.#state === CLOSED) return;
    const requested = this.#state !== ACTIVE;
    // A close we did not ask for is an error, unless the server closed normally after opening.
    const normal = this.#opened && (code === 1000 || code === 1005) && this.#error === undefined;
    if (!requested && !normal) {
      const detail = `close code ${code ?? 'none'}${why ? `: ${why}` : ''}`;
      const reason: TransportErrorReason = this.#opened ? 'CONNECTION_RESET' : 'WS_HANDSHAKE';
      const error = this.#error ?? failure(this.#context, reason, detail);
      this.#handlers.onError(error);
    }
    this.#finish();
  }

  #finish(): void {
    if (this.#state === CLOSED) return;
    this.#state = CLOSED;
    this.#pending = [];
    this.#pendingBytes = 0;
    const socket = this.#socket;
    socket.onopen = socket.onmessage = socket.onclose = null;
    // Not null: an EventEmitter-based WebSocket (the `ws` package) throws on an unheard error.
    socket.onerror = () => {};
    this.#handlers.onClose();
  }

  write(bytes: Uint8Array): boolean {
    if (this.#state !== ACTIVE) return false;
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length;
    // The first chunk of a run queues the flush that sends the run as one frame. Chunks written
    // before open stay pending (the flush waits for OPEN) and go out with the open's flush.
    if (this.#pending.length === 1) queueMicrotask(this.#flush);
    return this.bufferedBytes < HIGH_WATER_BYTES;
  }
  get bufferedBytes(): number {
    return this.#state >= DESTROYED ? 0 : this.#socket.bufferedAmount + this.#pendingBytes;
  }
  end(): void {
    if (this.#state !== ACTIVE) return;
    this.#flush();
    this.#state = ENDING;
    this.#socket.close(1000);
  }
  destroy(): void {
    if (this.#state >= DESTROYED) return;
    this.#state = DESTROYED;
    this.#socket.close();
    // A browser cannot abort a close handshake; the owner gets `onClose` now, not when the peer answers.
    queueMicrotask(() => this.#finish());
  }
}

/**
 * Makes a {@link TransportFactory} on the global `WebSocket` (or `options.WebSocket`): subprotocol
 * `mqtt`, binary frames, for `ws://` and `wss://` targets. TLS settings cannot apply in a browser
 * (its own trust store decides), so a target with `tls` fails with `TLS_CONFIG`.
 */
export function createWebsocketTransport(options: WebSocketTransportOptions = {}): TransportFactory {
  return (target: TransportTarget, handlers: TransportHandlers): Transport => {
    const url =
      target.url ?? webSocketUrl(target.scheme === 'wss' ? 'wss' : 'ws', target.host, target.port, '/mqtt');
    const context: FailureContext = { kind: url.startsWith('wss:') ? 'wss' : 'ws', where: url };
    if (target.tls !== undefined) {
      return transportFailure(
        handlers,
        failure(context, 'TLS_CONFIG', 'a browser WebSocket takes no tls options: its trust store decides'),
      );
    }
    const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (Ctor === undefined) {
      return transportFailure(handlers, failure(context, 'UNSUPPORTED_SCHEME', 'no global WebSocket here'));
    }
    try {
      return new BrowserWsTransport(Ctor, url, context, handlers, options.classify);
    } catch (cause) {
      // The constructor throws SyntaxError on a bad URL.
      return transportFailure(handlers, (options.classify ?? unclassified)(context, cause));
    }
  };
}

/** The browser WebSocket {@link TransportFactory} on the global `WebSocket`. */
export const websocketTransport: TransportFactory = createWebsocketTransport();
