/**
 * The shape of `tls` settings, checked when a client is constructed (spec R72). Node-only: it
 * travels with the transports that take `tls`, not with the runtime, so a browser bundle (whose
 * WebSocket cannot take TLS settings at all) does not carry it (spec R123).
 *
 * @module
 */
import { ConfigError } from '../../errors.js';
import { checkKeys, type KeyTable } from '../../runtime/optionKeys.js';
import type { TlsOptions } from '../../runtime/ports.js';

/** The keys of a server's `tls`. */
export const TLS_KEYS = {
  ca: true,
  caFile: true,
  cert: true,
  certFile: true,
  key: true,
  keyFile: true,
  passphrase: true,
  servername: true,
  alpn: true,
  minVersion: true,
  ciphers: true,
  psk: true,
  dangerouslySkipVerification: true,
} as const satisfies KeyTable<TlsOptions>;

/** The keys of `tls.psk`. */
export const PSK_KEYS = {
  identity: true,
  key: true,
} as const satisfies KeyTable<NonNullable<TlsOptions['psk']>>;

const isPem = (v: unknown): boolean => typeof v === 'string' || v instanceof Uint8Array;

/**
 * Checks the shape of `tls` (spec R72), so a typo fails at construction rather than at every
 * attempt. Files are read by the transport at connect time (they may be rotated meanwhile).
 * The Node transports that take `tls` (TLS, `ws` for `wss://`, the scheme dispatcher) carry it as
 * their `checkTls`, which the runtime calls for each server with `tls`.
 *
 * @param tls - The settings (an object: the runtime has checked that).
 * @param key - The server's config key (for example `servers[0]`).
 * @throws {@link ConfigError} under `<key>.tls.<field>`, an unknown key among them (R338, R361);
 *   never repeats a key or a passphrase.
 */
export function checkTlsSettings(tls: TlsOptions, key: string): void {
  const k = `${key}.tls`;
  // Unknown keys first (R338), here rather than in the runtime's server check (R361).
  checkKeys(tls, k, TLS_KEYS);
  checkKeys(tls.psk, `${k}.psk`, PSK_KEYS);
  if (tls.ca !== undefined && !(isPem(tls.ca) || (Array.isArray(tls.ca) && tls.ca.every(isPem)))) {
    throw new ConfigError(`${k}.ca`, 'must be PEM text or bytes, or an array of them');
  }
  for (const field of ['cert', 'key'] as const) {
    if (tls[field] !== undefined && !isPem(tls[field])) {
      throw new ConfigError(`${k}.${field}`, 'must be PEM text or bytes');
    }
  }
  for (const field of ['caFile', 'certFile', 'keyFile', 'servername', 'ciphers', 'passphrase'] as const) {
    if (tls[field] !== undefined && (typeof tls[field] !== 'string' || tls[field] === '')) {
      throw new ConfigError(`${k}.${field}`, 'must be a non-empty string');
    }
  }
  if (
    (tls.cert !== undefined || tls.certFile !== undefined) !==
    (tls.key !== undefined || tls.keyFile !== undefined)
  ) {
    throw new ConfigError(
      `${k}.${tls.key === undefined && tls.keyFile === undefined ? 'key' : 'cert'}`,
      'a client certificate needs both cert and key',
    );
  }
  if (tls.minVersion !== undefined && tls.minVersion !== 'TLSv1.2' && tls.minVersion !== 'TLSv1.3') {
    throw new ConfigError(`${k}.minVersion`, `must be 'TLSv1.2' or 'TLSv1.3', got ${String(tls.minVersion)}`);
  }
  if (
    tls.alpn !== undefined &&
    !(Array.isArray(tls.alpn) && tls.alpn.every((p) => typeof p === 'string' && p !== ''))
  ) {
    throw new ConfigError(`${k}.alpn`, 'must be an array of protocol names');
  }
  if (tls.dangerouslySkipVerification !== undefined && typeof tls.dangerouslySkipVerification !== 'boolean') {
    throw new ConfigError(`${k}.dangerouslySkipVerification`, 'must be true or false');
  }
  const psk = tls.psk;
  if (psk !== undefined) {
    if (typeof psk.identity !== 'string' || psk.identity === '') {
      throw new ConfigError(`${k}.psk.identity`, 'must be a non-empty string');
    }
    // Never echo the key.
    if (
      !(psk.key instanceof Uint8Array ? psk.key.length > 0 : /^(?:[0-9a-fA-F]{2})+$/.test(String(psk.key)))
    ) {
      throw new ConfigError(`${k}.psk.key`, 'must be hex digits (an even number) or non-empty bytes');
    }
    if (tls.minVersion === 'TLSv1.3') {
      throw new ConfigError(
        `${k}.minVersion`,
        'a PSK works over TLS 1.2 only here; drop minVersion or the PSK',
      );
    }
  }
}
