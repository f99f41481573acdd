/**
 * Typed transport failures (spec R75): every error a transport reports is `TRANSPORT_ERROR` data
 * with a `reason` a user can act on (unknown CA, hostname mismatch, wrong PSK ...) and a message
 * that names the peer and the runtime's own code. Messages never carry keys, PSKs or passwords.
 * This file is the part every runtime shares; reading Node's error codes (errno, OpenSSL) is
 * `classify.ts`, which only the Node transports import, so the browser bundle does not carry it.
 */
import { type ErrorData, TransportError, type TransportErrorReason } from '../../errors.js';
import type { Transport, TransportHandlers } from '../../runtime/ports.js';

/** What the transport had configured, which decides how an ambiguous TLS alert is read. */
export interface FailureContext {
  /** `tcp`, `tls`, `ws` or `wss`, for the message. */
  readonly kind: string;
  /** `host:port` or the URL, for the message. */
  readonly where: string;
  /** A PSK was offered. */
  readonly psk?: boolean;
  /** A client certificate was offered. */
  readonly clientCert?: boolean;
}

/**
 * The reasons every runtime's transports report, the browser's WebSocket included. The others
 * (DNS, TCP and the TLS verdicts only Node's transports can tell) are explained in `classify.ts`,
 * which only those import, so the browser bundle carries none of their words (spec R352).
 */
export type PortableReason =
  | 'CONNECTION_RESET'
  | 'UNSUPPORTED_SCHEME'
  | 'TLS_CONFIG'
  | 'WS_HANDSHAKE'
  | 'WS_PROTOCOL'
  | 'OTHER';

/** What each portable reason means, in the words a user searches for. */
const EXPLAIN: Readonly<Record<PortableReason, string>> = {
  CONNECTION_RESET: 'connection reset by the peer',
  UNSUPPORTED_SCHEME: 'scheme not supported here',
  TLS_CONFIG: 'the TLS settings cannot be used',
  WS_HANDSHAKE: 'the WebSocket handshake failed',
  WS_PROTOCOL: 'MQTT over WebSocket rules broken',
  OTHER: 'transport failure',
};

/**
 * Builds the error data for a reason: `kind where: explanation (detail)`.
 * @param explanation - What the reason means; a portable reason's is built in.
 */
export function failure(context: FailureContext, reason: PortableReason, detail: string): ErrorData;
export function failure(
  context: FailureContext,
  reason: TransportErrorReason,
  detail: string,
  explanation: string,
): ErrorData;
export function failure(
  context: FailureContext,
  reason: TransportErrorReason,
  detail: string,
  explanation: string = EXPLAIN[reason as PortableReason],
): ErrorData {
  const message = `${context.kind} ${context.where}: ${explanation}${detail === '' ? '' : ` (${detail})`}`;
  // Built as the typed error, carried as its data (spec R82).
  return new TransportError(message, { reason }).toData();
}

/**
 * A transport that failed before it existed (no such scheme, unreadable key file): `onError` and
 * `onClose` arrive in a microtask, after the owner has the transport, as the contract promises.
 */
export function transportFailure(handlers: TransportHandlers, error: ErrorData): Transport {
  let destroyed = false;
  queueMicrotask(() => {
    if (!destroyed) handlers.onError(error);
    handlers.onClose();
  });
  return {
    write: () => false,
    bufferedBytes: 0,
    end: () => {},
    destroy: () => {
      destroyed = true;
    },
  };
}
