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

/** What each reason means, in the words a user searches for. */
const EXPLAIN: Readonly<Record<TransportErrorReason, string>> = {
  CONNECTION_REFUSED: 'connection refused (nothing listens there?)',
  HOST_NOT_FOUND: 'host name not found',
  TIMED_OUT: 'timed out',
  CONNECTION_RESET: 'connection reset by the peer',
  UNSUPPORTED_SCHEME: 'scheme not supported here',
  TLS_UNKNOWN_CA: "the server's certificate is not signed by a trusted CA (set tls.ca)",
  TLS_HOSTNAME_MISMATCH:
    "the server's certificate does not name this host (check the host or tls.servername)",
  TLS_CERT_EXPIRED: "the server's certificate has expired",
  TLS_CERT_NOT_YET_VALID: "the server's certificate is not valid yet (check the clock)",
  TLS_CLIENT_CERT_REQUIRED: 'the server requires a client certificate (set tls.cert and tls.key)',
  TLS_CLIENT_CERT_REJECTED: 'the server rejected the client certificate',
  TLS_PSK_REJECTED: 'the server rejected the pre-shared key (wrong identity or key)',
  TLS_CONFIG: 'the TLS settings cannot be used',
  TLS_HANDSHAKE: 'the TLS handshake failed',
  WS_HANDSHAKE: 'the WebSocket handshake failed',
  WS_PROTOCOL: 'the WebSocket connection broke the MQTT over WebSocket rules',
  OTHER: 'transport failure',
};

/** Builds the error data for a reason: `kind where: explanation (detail)`. */
export function failure(context: FailureContext, reason: TransportErrorReason, detail: string): ErrorData {
  const message = `${context.kind} ${context.where}: ${EXPLAIN[reason]}${detail === '' ? '' : ` (${detail})`}`;
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
