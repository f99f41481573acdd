/**
 * Node's transport failures read by their error code (spec R75): errno codes, OpenSSL's
 * certificate and alert codes, and the `ws` package's handshake messages, mapped to a
 * {@link TransportErrorReason}. Only the Node transports (TCP, TLS, `ws`) import it, so these
 * tables stay out of the browser bundle (spec R123).
 */
import type { ErrorData, TransportErrorReason } from '../../errors.js';
import { type FailureContext, failure, type PortableReason } from './errors.js';

/**
 * What each reason only Node's transports tell means (the portable ones are in `errors.ts`), in
 * the words a user searches for: here, so that the browser bundle carries none of it (R352).
 */
const NODE_EXPLAIN: Readonly<Record<Exclude<TransportErrorReason, PortableReason>, string>> = {
  CONNECTION_REFUSED: 'connection refused (nothing listens there?)',
  HOST_NOT_FOUND: 'host name not found',
  TIMED_OUT: 'timed out',
  TLS_UNKNOWN_CA: "the server's certificate is not signed by a trusted CA (set tls.ca)",
  TLS_HOSTNAME_MISMATCH:
    "the server's certificate does not name this host (check the host or tls.servername)",
  TLS_CERT_EXPIRED: "the server's certificate has expired",
  TLS_CERT_NOT_YET_VALID: "the server's certificate is not valid yet (check the clock)",
  TLS_CLIENT_CERT_REQUIRED: 'the server requires a client certificate (set tls.cert and tls.key)',
  TLS_CLIENT_CERT_REJECTED: 'the server rejected the client certificate',
  TLS_PSK_REJECTED: 'the server rejected the pre-shared key (wrong identity or key)',
  TLS_HANDSHAKE: 'the TLS handshake failed',
};

/** The error data for any reason: Node's own explained here, the portable ones by `failure`. */
export function nodeFailure(
  context: FailureContext,
  reason: TransportErrorReason,
  detail: string,
): ErrorData {
  return Object.hasOwn(NODE_EXPLAIN, reason)
    ? failure(context, reason, detail, NODE_EXPLAIN[reason as keyof typeof NODE_EXPLAIN])
    : failure(context, reason as PortableReason, detail);
}

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
  return nodeFailure(
    context,
    code === undefined ? reasonOfMessage(message) : reasonOf(code, context),
    detail,
  );
}

/** Errors without a code: the `ws` package's handshake failures. */
function reasonOfMessage(message: string): TransportErrorReason {
  if (/^(Server sent|Unexpected server response|Invalid Sec-WebSocket)/.test(message)) return 'WS_HANDSHAKE';
  if (/Opening handshake has timed out/.test(message)) return 'TIMED_OUT';
  return 'OTHER';
}
