/**
 * The transport port: the one small interface every transport implements (TCP, TLS, WebSocket;
 * Node or browser), where it connects and with which TLS settings, and what it reports. A
 * transport carries bytes; it knows nothing of MQTT. Each runtime has its own file in
 * adapters/transports/. Re-exported by `ports.ts` with the other ports.
 *
 * @module
 */
import type { ErrorData } from '../errors.js';
import type { RESERVE_FULL } from '../protocol/reserveFull.js';

/** How a server is reached: plain TCP, TLS, WebSocket, WebSocket over TLS. */
export type TransportScheme = 'mqtt' | 'mqtts' | 'ws' | 'wss';

/**
 * TLS settings for `mqtts://` and `wss://` (spec R72). Plain data, so a configuration can be
 * written as JSON; PEM text or bytes. Verification of the server is always on unless
 * {@link TlsOptions.dangerouslySkipVerification} says otherwise.
 */
export interface TlsOptions {
  /** CA certificates (PEM) to verify the server with. @default the runtime's trusted roots */
  readonly ca?: string | Uint8Array | readonly (string | Uint8Array)[];
  /** File with CA certificates (PEM), read at every connect (Mongoose `ssl_ca_cert`). @default none */
  readonly caFile?: string;
  /** Client certificate chain (PEM) for mutual TLS. @default none */
  readonly cert?: string | Uint8Array;
  /** File with the client certificate (Mongoose `ssl_cert`), read at every connect. @default none */
  readonly certFile?: string;
  /** Private key (PEM) of the client certificate. @default none */
  readonly key?: string | Uint8Array;
  /** File with the private key (Mongoose `ssl_key`), read at every connect. @default none */
  readonly keyFile?: string;
  /** Passphrase of an encrypted private key. @default none */
  readonly passphrase?: string;
  /** Name sent in SNI and checked against the certificate (Mongoose `ssl_server_name`). @default the host (none for an IP address) */
  readonly servername?: string;
  /** ALPN protocols to offer, e.g. `['x-amzn-mqtt-ca']` for AWS IoT on port 443. @default none */
  readonly alpn?: readonly string[];
  /** Lowest TLS version accepted. @default 'TLSv1.2' */
  readonly minVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** OpenSSL cipher list (TLS 1.2; Mongoose `ssl_cipher_suites`). @default the runtime's list ('PSK' suites with `psk`) */
  readonly ciphers?: string;
  /**
   * Pre-shared key instead of certificates (Mongoose `ssl_psk_identity` / `ssl_psk_key`); TLS 1.2
   * only. `key` is hex text or bytes.
   * @default none
   */
  readonly psk?: { readonly identity: string; readonly key: string | Uint8Array };
  /**
   * Accepts any server certificate: anyone on the path can read and change the traffic. For
   * tests against self-signed brokers only.
   * @default false
   */
  readonly dangerouslySkipVerification?: boolean;
}

/** Where to connect. */
export interface TransportTarget {
  /** How: `mqtt` (TCP), `mqtts` (TLS), `ws`, `wss`. @default 'mqtt' */
  readonly scheme?: TransportScheme;
  /** Host name or address (IPv6 without brackets). */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
  /** The `ws://` / `wss://` URL with path, for WebSocket transports; ignored by TCP and TLS. */
  readonly url?: string;
  /** TLS settings for `mqtts` and `wss`. @default none (verify against the runtime's roots) */
  readonly tls?: TlsOptions;
}

/**
 * What a transport reports to its owner. All callbacks may be called synchronously, and are called
 * as methods of this object (the runtime passes one object with prototype methods, not closures).
 */
export interface TransportHandlers {
  /** The connection is established; bytes may be written. */
  onOpen(): void;
  /** Bytes arrived (in order; may hold several packets or part of one). */
  onData(chunk: Uint8Array): void;
  /** The connection failed or broke; `onClose` follows. */
  onError(error: ErrorData): void;
  /** The connection is gone; called exactly once per transport, after `onError` if any. */
  onClose(): void;
  /**
   * The bytes buffered after a write that left the transport at or above its high-water mark
   * (`needsDrain`) have all been handed to the operating system (Node's `'drain'`).
   */
  onDrain?(): void;
}

/** An open (or opening) connection. */
export interface Transport {
  /** Writes bytes; returns false when the runtime buffer is above its high-water mark. */
  write(bytes: Uint8Array): boolean;
  /**
   * Optional zero-copy path: makes room for `size` bytes that go out after what was written so
   * far, and returns their offset in {@link Transport.outBuffer} (the caller fills them at once),
   * plus {@link RESERVE_FULL} when the bytes buffered, these included, reach the transport's
   * high-water mark (`needsDrain`: the hot path learns it without another call, spec R55);
   * -1 when the transport is closed. Transports without it get packets through `write`.
   */
  reserve?(size: number): number;
  /** The buffer `reserve` offsets point into; valid until the next `write` or `reserve`. */
  readonly outBuffer?: Uint8Array;
  /** Bytes accepted by `write` and not yet handed to the operating system. */
  readonly bufferedBytes: number;
  /**
   * True while `bufferedBytes` is at or above the transport's high-water mark; `onDrain` follows
   * once they are written (spec R55). Transports without a buffer of their own leave it out.
   */
  readonly needsDrain?: boolean;
  /**
   * Calls `callback(true)` once every byte written so far has been handed to the operating system,
   * or `callback(false)` if the transport closes first (spec R54). Transports that cannot tell
   * leave it out; the runtime then counts a write below the high-water mark as handed over.
   */
  whenFlushed?(callback: (flushed: boolean) => void): void;
  /** Flushes what was written, then closes. `onClose` follows. Idempotent. */
  end(): void;
  /** Closes at once, dropping unwritten bytes. `onClose` follows. Idempotent. */
  destroy(): void;
  /**
   * Lets the connection keep the process alive (Node's `socket.ref()`; the default). Transports
   * of runtimes without a process to hold (browsers) leave it out.
   */
  ref?(): void;
  /** Stops the connection from keeping the process alive (Node's `socket.unref()`). */
  unref?(): void;
}

/** Opens transports: the one thing a runtime supplies to connect somewhere. */
export type TransportFactory = ((target: TransportTarget, handlers: TransportHandlers) => Transport) & {
  /**
   * Checks a server's `tls` settings when the client is constructed, so a typo fails at once
   * rather than at every attempt (spec R72); throws `ConfigError` under `<key>.tls`. Node's TLS,
   * `ws` and scheme-picking transports carry one; a factory without one takes its settings as
   * they are and reports what it cannot use when it connects.
   * @default none
   */
  readonly checkTls?: (tls: TlsOptions, key: string) => void;
};
