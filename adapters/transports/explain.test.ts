/**
 * Every transport failure reason is explained in its message (spec R75, R352): the portable ones
 * by `failure`, the ones only Node's transports tell by `classify.ts`, apart so that the browser
 * bundle carries none of the latter's words.
 */
import { describe, expect, it } from 'vitest';
import type { TransportErrorReason } from '../../errors.js';
import { nodeFailure } from './classify.js';
import { failure } from './errors.js';

const REASONS: readonly TransportErrorReason[] = [
  'CONNECTION_REFUSED',
  'HOST_NOT_FOUND',
  'TIMED_OUT',
  'CONNECTION_RESET',
  'UNSUPPORTED_SCHEME',
  'TLS_UNKNOWN_CA',
  'TLS_HOSTNAME_MISMATCH',
  'TLS_CERT_EXPIRED',
  'TLS_CERT_NOT_YET_VALID',
  'TLS_CLIENT_CERT_REQUIRED',
  'TLS_CLIENT_CERT_REJECTED',
  'TLS_PSK_REJECTED',
  'TLS_CONFIG',
  'TLS_HANDSHAKE',
  'WS_HANDSHAKE',
  'WS_PROTOCOL',
  'OTHER',
];

const context = { kind: 'tls', where: 'h:1' };

describe('transport failure messages (R75, R352)', () => {
  it('R352: every reason has its own explanation in a Node transport message, never a missing one', () => {
    const explanations = REASONS.map((reason) => {
      const data = nodeFailure(context, reason, 'X');
      expect(data.reason).toBe(reason);
      expect(data.message).toMatch(/^tls h:1: .+ \(X\)$/);
      expect(data.message).not.toContain('undefined');
      return data.message;
    });
    expect(new Set(explanations).size).toBe(REASONS.length);
  });

  it('R352: the portable reasons read the same from the shared failure() as from Node', () => {
    expect(failure(context, 'WS_HANDSHAKE', '')).toEqual(nodeFailure(context, 'WS_HANDSHAKE', ''));
    expect(failure(context, 'TLS_CONFIG', 'x').message).toBe('tls h:1: the TLS settings cannot be used (x)');
    expect(nodeFailure(context, 'TLS_UNKNOWN_CA', '').message).toBe(
      "tls h:1: the server's certificate is not signed by a trusted CA (set tls.ca)",
    );
  });
});
