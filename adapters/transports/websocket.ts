/**
 * MQTT over the global `WebSocket` (browsers, and Node >= 22): subprotocol `mqtt`, binary frames.
 * Interim version for the browser work; the `transports` branch owns this file.
 */
import type { Transport, TransportFactory, TransportHandlers, TransportTarget } from '../../runtime/ports.js';

/** Opens MQTT over the runtime's global `WebSocket` to `target.url` (else `ws://host:port/mqtt`). */
export const websocketTransport: TransportFactory = (target, handlers) =>
  new WebSocketTransport(target, handlers);

class WebSocketTransport implements Transport {
  readonly #socket: WebSocket | undefined;
  readonly #handlers: TransportHandlers;
  #closed = false;
  #failed = false;

  constructor(target: TransportTarget, handlers: TransportHandlers) {
    this.#handlers = handlers;
    const url = target.url ?? `ws://${target.host}:${target.port}/mqtt`;
    try {
      this.#socket = new WebSocket(url, 'mqtt');
    } catch (error) {
      queueMicrotask(() => this.#fail(`cannot open ${url}: ${String(error)}`));
      return;
    }
    const socket = this.#socket;
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => handlers.onOpen();
    socket.onmessage = (message: MessageEvent) => {
      if (message.data instanceof ArrayBuffer) handlers.onData(new Uint8Array(message.data));
    };
    // Browsers say nothing about why a WebSocket failed; the close code is all there is.
    socket.onerror = () => this.#fail(`WebSocket to ${url} failed`);
    socket.onclose = () => this.#close();
  }

  get bufferedBytes(): number {
    return this.#socket?.bufferedAmount ?? 0;
  }

  write(bytes: Uint8Array): boolean {
    const socket = this.#socket;
    if (socket === undefined || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(bytes as Uint8Array<ArrayBuffer>);
    return true;
  }

  end(): void {
    this.#socket?.close(1000);
  }

  destroy(): void {
    this.#socket?.close(1000);
    this.#close();
  }

  #fail(message: string): void {
    if (this.#failed || this.#closed) return;
    this.#failed = true;
    this.#handlers.onError({ code: 'TRANSPORT_ERROR', message });
    if (this.#socket === undefined) this.#close();
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#handlers.onClose();
  }
}
