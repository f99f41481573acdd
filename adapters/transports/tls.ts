/**
 * The Node TLS transport (`mqtts://`): `node:tls` behind the {@link TransportFactory} contract,
 * with the socket lifecycle of the TCP transport (spec R72-R75). Verification is on unless
 * `tls.dangerouslySkipVerification` is set.
 */
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { TlsOptions, TransportFactory, TransportTarget } from '../../runtime/ports.js';
import { SocketTransport } from './tcp.js';
import { checkTlsSettings } from './tlsSettings.js';

/** Options of {@link createTlsTransport}. */
export interface TlsTransportOptions {
  /**
   * Milliseconds the TCP and TLS handshakes may take before the transport gives up
   * (`TIMED_OUT`); 0 leaves it to the operating system and the client's connect timeout.
   * @default 0
   */
  readonly connectTimeoutMs?: number;
  /** Disables Nagle's algorithm, as for TCP. @default true */
  readonly noDelay?: boolean;
}

/** PSK suites offered when `tls.psk` is set and no `ciphers` are: Node's PSK is TLS 1.2 only. */
export const PSK_CIPHERS =
  'PSK-AES128-GCM-SHA256:PSK-AES256-GCM-SHA384:PSK-AES128-CBC-SHA256:PSK-CHACHA20-POLY1305';

/** Key exchange names: IANA / mbedTLS spelling to OpenSSL's prefix. */
const KEY_EXCHANGE: Readonly<Record<string, string>> = {
  RSA: '',
  ECDHE_RSA: 'ECDHE-RSA-',
  ECDHE_ECDSA: 'ECDHE-ECDSA-',
  DHE_RSA: 'DHE-RSA-',
  PSK: 'PSK-',
  ECDHE_PSK: 'ECDHE-PSK-',
  DHE_PSK: 'DHE-PSK-',
  RSA_PSK: 'RSA-PSK-',
};

/** OpenSSL spellings one IANA suite may have (OpenSSL's names are not regular). */
function opensslCandidates(name: string): string[] {
  const m =
    /^TLS_(.+)_WITH_(AES_(?:128|256)|CHACHA20_POLY1305)_?(GCM|CBC|CCM_8|CCM)?_(SHA|SHA256|SHA384)$/.exec(
      name.toUpperCase().replace(/-/g, '_'),
    );
  const kx = m === null ? undefined : KEY_EXCHANGE[m[1] as string];
  if (m === null || kx === undefined) return [];
  const [, , cipher = '', mode, mac = ''] = m;
  if (cipher === 'CHACHA20_POLY1305') return [`${kx}CHACHA20-POLY1305`];
  const aes = cipher.replace('_', '');
  if (mode === 'GCM') return [`${kx}${aes}-GCM-${mac}`];
  if (mode === 'CCM' || mode === 'CCM_8') return [`${kx}${aes}-${mode.replace('_', '')}`];
  return [`${kx}${aes}-${mac}`, `${kx}${aes}-CBC-${mac}`];
}

/**
 * Accepts Mongoose's mbedTLS / IANA suite names (`TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256`) next to
 * OpenSSL's (`ECDHE-ECDSA-AES128-GCM-SHA256`), separated by `:` or `,`; a name OpenSSL does not
 * know is kept, so the handshake fails with `TLS_CONFIG` naming it.
 */
export function opensslCiphers(list: string): string {
  const known = new Set(tls.getCiphers());
  return list
    .split(/[:,\s]+/)
    .filter((name) => name !== '')
    .map((name) => opensslCandidates(name).find((c) => known.has(c.toLowerCase())) ?? name)
    .join(':');
}

/** An error of the TLS settings themselves (unreadable file, bad PSK key): reason `TLS_CONFIG`. */
function configError(message: string, cause?: unknown): Error {
  return Object.assign(new Error(message, { cause }), { code: 'MQTT_TLS_CONFIG' });
}

function bytes(value: string | Uint8Array): string | Buffer {
  return typeof value === 'string' ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** Reads a PEM file named by a `...File` option; read at every connect, so rotated files are used. */
function file(name: string, path: string | undefined): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    throw configError(`cannot read tls.${name} ${path}: ${(error as Error).message}`, error);
  }
}

function pskKey(key: string | Uint8Array): Buffer {
  if (typeof key !== 'string') return Buffer.from(bytes(key) as Buffer);
  // Mongoose's ssl_psk_key is hex; say so without echoing the key.
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(key)) throw configError('tls.psk.key must be hex digits');
  return Buffer.from(key, 'hex');
}

/** Node's connect options for one target (exported for tests of the mapping). */
export function tlsConnectOptions(target: TransportTarget): tls.ConnectionOptions {
  const t: TlsOptions = target.tls ?? {};
  const ca = t.ca === undefined ? file('caFile', t.caFile) : [t.ca].flat().map(bytes);
  const options: tls.ConnectionOptions = {
    host: target.host,
    port: target.port,
    minVersion: t.minVersion ?? 'TLSv1.2',
    rejectUnauthorized: t.dangerouslySkipVerification !== true,
    ...(ca !== undefined ? { ca } : {}),
    ...(t.cert !== undefined || t.certFile !== undefined
      ? { cert: t.cert !== undefined ? bytes(t.cert) : file('certFile', t.certFile) }
      : {}),
    ...(t.key !== undefined || t.keyFile !== undefined
      ? { key: t.key !== undefined ? bytes(t.key) : file('keyFile', t.keyFile) }
      : {}),
    ...(t.passphrase !== undefined ? { passphrase: t.passphrase } : {}),
    // SNI must not be an IP address (RFC 6066); Node then checks the certificate against the host.
    ...(t.servername !== undefined
      ? { servername: t.servername }
      : net.isIP(target.host) === 0
        ? { servername: target.host }
        : {}),
    ...(t.alpn !== undefined ? { ALPNProtocols: [...t.alpn] } : {}),
    ...(t.ciphers !== undefined ? { ciphers: opensslCiphers(t.ciphers) } : {}),
  };
  const psk = t.psk;
  if (psk !== undefined) {
    const key = pskKey(psk.key);
    options.pskCallback = () => ({ identity: psk.identity, psk: key });
    options.maxVersion = 'TLSv1.2';
    options.ciphers = t.ciphers !== undefined ? opensslCiphers(t.ciphers) : PSK_CIPHERS;
    // The PSK authenticates the server (only a holder of the key completes the handshake); there
    // is no certificate to check a name against.
    if (t.ca === undefined && t.caFile === undefined) options.checkServerIdentity = () => undefined;
  }
  return options;
}

/**
 * Makes a TLS {@link TransportFactory}: the target's `tls` settings (CA, client certificate,
 * PSK, SNI, ALPN, minimum version, ciphers) apply per connection. Failures are `TRANSPORT_ERROR`
 * with a `reason` naming the cause (`TLS_UNKNOWN_CA`, `TLS_HOSTNAME_MISMATCH`, `TLS_CERT_EXPIRED`,
 * `TLS_CLIENT_CERT_REQUIRED`, `TLS_PSK_REJECTED` ...). The callback rules are the TCP transport's.
 * Its `checkTls` checks the settings when a client is constructed (spec R72).
 */
export function createTlsTransport(options: TlsTransportOptions = {}): TransportFactory {
  const connectTimeoutMs = options.connectTimeoutMs ?? 0;
  const noDelay = options.noDelay ?? true;
  const factory: TransportFactory = (target, handlers) => {
    const t = target.tls ?? {};
    return new SocketTransport(
      {
        kind: 'tls',
        where: `${target.host}:${target.port}`,
        psk: t.psk !== undefined,
        clientCert: t.cert !== undefined || t.certFile !== undefined,
      },
      handlers,
      () => tls.connect(tlsConnectOptions(target)).setNoDelay(noDelay),
      'secureConnect',
      connectTimeoutMs,
    );
  };
  return Object.assign(factory, { checkTls: checkTlsSettings });
}

/** The TLS {@link TransportFactory} with default options. */
export const tlsTransport: TransportFactory = createTlsTransport();
