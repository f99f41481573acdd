/**
 * Puts a {@link WireValidator} between a client and its transports (spec R225): a transport
 * factory wrapper that shows the validator every byte the client writes (through `write` and the
 * zero-copy `reserve`) and every byte it receives, on any scheme (TCP, TLS, WebSocket), without
 * changing what reaches the socket.
 */
import { nodeTransport } from '../../adapters/transports/node.js';
import type { MqttClientOptions } from '../../runtime/client.js';
import type { LifecycleClientConfig } from '../../runtime/lifecycleClient.js';
import {
  RESERVE_FULL,
  type Transport,
  type TransportFactory,
  type TransportHandlers,
} from '../../runtime/ports.js';
import type { WireConnection, WireValidator, WireValidatorOptions } from './wireValidator.js';

/** `factory`, with every connection it opens fed to `validator`. */
export function validatingTransport(factory: TransportFactory, validator: WireValidator): TransportFactory {
  const wrapped = (target: Parameters<TransportFactory>[0], handlers: TransportHandlers): Transport => {
    const feed = validator.connection();
    const inner = factory(target, {
      onOpen: () => handlers.onOpen(),
      onData: (chunk) => {
        feed.server(chunk);
        handlers.onData(chunk);
      },
      onError: (error) => handlers.onError(error),
      onClose: () => {
        checked.settle();
        feed.closed();
        handlers.onClose();
      },
      ...(handlers.onDrain === undefined ? {} : { onDrain: () => handlers.onDrain?.() }),
    });
    const checked = new CheckedTransport(inner, feed);
    return checked;
  };
  return factory.checkTls === undefined ? wrapped : Object.assign(wrapped, { checkTls: factory.checkTls });
}

/**
 * A transport that reports what is written through it. Bytes placed with `reserve` are filled by
 * the caller after the call returns, so they are read at the next call or in a microtask, while
 * `outBuffer` still holds them (it is valid until the next `write` or `reserve`).
 */
class CheckedTransport implements Transport {
  readonly #inner: Transport;
  readonly #feed: WireConnection;
  #reserved: { offset: number; size: number } | undefined;

  constructor(inner: Transport, feed: WireConnection) {
    this.#inner = inner;
    this.#feed = feed;
    if (inner.reserve === undefined) this.reserve = undefined;
    if (inner.whenFlushed === undefined) this.whenFlushed = undefined;
    if (inner.ref === undefined) this.ref = undefined;
    if (inner.unref === undefined) this.unref = undefined;
  }

  /** Feeds the bytes of the last `reserve`, now filled in. */
  settle(): void {
    const reserved = this.#reserved;
    if (reserved === undefined) return;
    this.#reserved = undefined;
    const buffer = this.#inner.outBuffer;
    if (buffer !== undefined)
      this.#feed.client(buffer.slice(reserved.offset, reserved.offset + reserved.size));
  }

  write(bytes: Uint8Array): boolean {
    this.settle();
    this.#feed.client(bytes);
    return this.#inner.write(bytes);
  }

  reserve?: (size: number) => number = (size) => {
    this.settle();
    const at = this.#inner.reserve?.(size) ?? -1;
    if (at >= 0) {
      this.#reserved = { offset: at & ~RESERVE_FULL, size };
      queueMicrotask(() => this.settle());
    }
    return at;
  };

  get outBuffer(): Uint8Array | undefined {
    return this.#inner.outBuffer;
  }

  get bufferedBytes(): number {
    return this.#inner.bufferedBytes;
  }

  get needsDrain(): boolean | undefined {
    return this.#inner.needsDrain;
  }

  whenFlushed?: (callback: (flushed: boolean) => void) => void = (callback) => {
    this.settle();
    this.#inner.whenFlushed?.(callback);
  };

  end(): void {
    this.settle();
    this.#inner.end();
  }

  destroy(): void {
    this.settle();
    this.#inner.destroy();
  }

  ref?: () => void = () => this.#inner.ref?.();
  unref?: () => void = () => this.#inner.unref?.();
}

/**
 * The validator options matching client `options`: its windows (`session.maxInflight` and
 * `session.maxInflightQos2`, else the profile's: 1 for `mongoose`, the client's defaults otherwise)
 * and whether it starts from a store.
 */
export function validatorOptionsFor(options: MqttClientOptions): WireValidatorOptions {
  return {
    maxInflight: options.session?.maxInflight ?? (options.profile === 'mongoose' ? 1 : undefined),
    maxInflightQos2:
      options.session?.maxInflightQos2 ??
      options.session?.maxInflight ??
      (options.profile === 'mongoose' ? 1 : undefined),
    restored: options.session?.store !== undefined,
  };
}

/**
 * `options` with every transport (the client's, defaulting to Node's, and each server's own)
 * wrapped to feed `validator`.
 */
export function withWireCheck<T extends LifecycleClientConfig>(options: T, validator: WireValidator): T {
  const transport = validatingTransport(options.transport ?? nodeTransport, validator);
  const servers = options.servers.map((s) =>
    s.transport === undefined ? s : { ...s, transport: validatingTransport(s.transport, validator) },
  );
  return { ...options, transport, servers };
}
