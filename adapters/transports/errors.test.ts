/** How runtime error codes become typed reasons (spec R75), including the ambiguous TLS alerts. */
import { describe, expect, it } from 'vitest';
import { reasonOf, transportErrorData } from './classify.js';

const plain = { kind: 'tls', where: 'h:1' };
const psk = { ...plain, psk: true };
const cert = { ...plain, clientCert: true };

describe('reasonOf (R75)', () => {
  it.each([
    ['ECONNREFUSED', plain, 'CONNECTION_REFUSED'],
    ['ENOTFOUND', plain, 'HOST_NOT_FOUND'],
    ['EAI_AGAIN', plain, 'HOST_NOT_FOUND'],
    ['ETIMEDOUT', plain, 'TIMED_OUT'],
    ['ECONNRESET', plain, 'CONNECTION_RESET'],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', plain, 'TLS_UNKNOWN_CA'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', plain, 'TLS_UNKNOWN_CA'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', plain, 'TLS_HOSTNAME_MISMATCH'],
    ['CERT_HAS_EXPIRED', plain, 'TLS_CERT_EXPIRED'],
    ['CERT_NOT_YET_VALID', plain, 'TLS_CERT_NOT_YET_VALID'],
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', plain, 'TLS_CLIENT_CERT_REQUIRED'],
    // TLS 1.2 servers say handshake_failure for a missing client certificate ...
    ['ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', plain, 'TLS_CLIENT_CERT_REQUIRED'],
    // ... and for a PSK they do not accept, and for a certificate they reject.
    ['ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', psk, 'TLS_PSK_REJECTED'],
    ['ERR_SSL_SSLV3_ALERT_BAD_RECORD_MAC', psk, 'TLS_PSK_REJECTED'],
    ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', cert, 'TLS_CLIENT_CERT_REJECTED'],
    ['ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', cert, 'TLS_CLIENT_CERT_REJECTED'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', plain, 'TLS_HANDSHAKE'],
    ['ERR_SSL_NO_CIPHER_MATCH', plain, 'TLS_CONFIG'],
    ['ERR_OSSL_PEM_NO_START_LINE', plain, 'TLS_CONFIG'],
    ['WS_ERR_INVALID_OPCODE', plain, 'WS_PROTOCOL'],
    ['EWHATEVER', plain, 'OTHER'],
  ] as const)('%s (%j) -> %s', (code, context, reason) => {
    expect(reasonOf(code, context)).toBe(reason);
  });

  it("reads the ws package's code-less handshake errors", () => {
    expect(transportErrorData(plain, new Error('Unexpected server response: 404')).reason).toBe(
      'WS_HANDSHAKE',
    );
    expect(transportErrorData(plain, new Error('Server sent no subprotocol')).reason).toBe('WS_HANDSHAKE');
    expect(transportErrorData(plain, 'something odd').reason).toBe('OTHER');
  });

  it("names kind and peer, explains the reason and keeps OpenSSL's short reason", () => {
    const cause = Object.assign(new Error('80DC:error:0A000086:SSL routines::certificate verify failed'), {
      code: 'CERT_HAS_EXPIRED',
      reason: 'certificate has expired',
    });
    expect(transportErrorData(plain, cause)).toEqual({
      code: 'TRANSPORT_ERROR',
      reason: 'TLS_CERT_EXPIRED',
      message: "tls h:1: the server's certificate has expired (CERT_HAS_EXPIRED: certificate has expired)",
    });
  });
});
