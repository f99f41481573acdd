/**
 * Typed transport failures (spec R75): every error a transport reports is `TRANSPORT_ERROR` data
 * with a `reason` a user can act on (unknown CA, hostname mismatch, wrong PSK ...) and a message
 * that names the peer and the runtime's own code. Messages never carry keys, PSKs or passwords.
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

const UNKNOWN_CA = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
]);
const BY_CODE: Readonly<Record<string, TransportErrorReason>> = {
  ECONNREFUSED: 'CONNECTION_REFUSED',
  ENOTFOUND: 'HOST_NOT_FOUND',
  EAI_AGAIN: 'HOST_NOT_FOUND',
  ETIMEDOUT: 'TIMED_OUT',
  ECONNRESET: 'CONNECTION_RESET',
  EPIPE: 'CONNECTION_RESET',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS_HOSTNAME_MISMATCH',
  CERT_HAS_EXPIRED: 'TLS_CERT_EXPIRED',
  CERT_NOT_YET_VALID: 'TLS_CERT_NOT_YET_VALID',
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'TLS_CLIENT_CERT_REQUIRED',
  MQTT_TLS_CONFIG: 'TLS_CONFIG',
  ERR_SSL_NO_CIPHER_MATCH: 'TLS_CONFIG',
};
/** Alerts a server sends when the PSK does not match. */
const PSK_ALERTS = /DECRYPT_ERROR|BAD_RECORD_MAC|UNKNOWN_PSK_IDENTITY|HANDSHAKE_FAILURE|ILLEGAL_PARAMETER/;
/** Alerts a server sends about the client's certificate. */
const CLIENT_CERT_ALERTS = /BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|CERTIFICATE_EXPIRED|ACCESS_DENIED/;

/** Classifies a runtime error code (errno or OpenSSL) under what was configured. */
export function reasonOf(code: string | undefined, context: FailureContext): TransportErrorReason {
  if (code === undefined) return 'OTHER';
  if (code.startsWith('WS_ERR_')) return 'WS_PROTOCOL';
  if (UNKNOWN_CA.has(code)) return 'TLS_UNKNOWN_CA';
  const known = BY_CODE[code];
  if (known !== undefined) return known;
  // OpenSSL refused a certificate, key or setting of ours before any byte went out.
  if (code.startsWith('ERR_OSSL_') || code === 'ERR_TLS_INVALID_PROTOCOL_VERSION') return 'TLS_CONFIG';
  if (!code.startsWith('ERR_SSL_')) return 'OTHER';
  if (context.psk && PSK_ALERTS.test(code)) return 'TLS_PSK_REJECTED';
  if (context.clientCert && CLIENT_CERT_ALERTS.test(code)) return 'TLS_CLIENT_CERT_REJECTED';
  // TLS 1.2 servers answer a missing client certificate with a plain handshake_failure.
  if (!context.clientCert && !context.psk && /HANDSHAKE_FAILURE|CERTIFICATE_REQUIRED/.test(code)) {
    return 'TLS_CLIENT_CERT_REQUIRED';
  }
  return 'TLS_HANDSHAKE';
}

/** Builds the error data for a reason: `kind where: explanation (detail)`. */
export function failure(context: FailureContext, reason: TransportErrorReason, detail: string): ErrorData {
  const message = `${context.kind} ${context.where}: ${EXPLAIN[reason]}${detail === '' ? '' : ` (${detail})`}`;
  // Built as the typed error, carried as its data (spec R82).
  return new TransportError(message, { reason }).toData();
}

/** Turns a runtime error (Node `Error` with `code`, or anything) into typed error data. */
export function transportErrorData(context: FailureContext, cause: unknown): ErrorData {
  // OpenSSL errors carry a short `reason` ("tlsv13 alert certificate required") next to a long
  // message with library internals.
  const short = (cause as { reason?: unknown } | null)?.reason;
  const message = typeof short === 'string' ? short : cause instanceof Error ? cause.message : String(cause);
  const raw = (cause as { code?: unknown } | null)?.code;
  const code = typeof raw === 'string' ? raw : undefined;
  // Node's messages usually embed the code ("connect ECONNREFUSED 127.0.0.1:1"), but not always.
  const detail = code !== undefined && !message.includes(code) ? `${code}: ${message}` : message;
  return failure(context, code === undefined ? reasonOfMessage(message) : reasonOf(code, context), detail);
}

/** Errors without a code: the `ws` package's handshake failures. */
function reasonOfMessage(message: string): TransportErrorReason {
  if (/^(Server sent|Unexpected server response|Invalid Sec-WebSocket)/.test(message)) return 'WS_HANDSHAKE';
  if (/Opening handshake has timed out/.test(message)) return 'TIMED_OUT';
  return 'OTHER';
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
