/**
 * Certificates generated at test time with `openssl` (a throwaway CA, server, expired server and
 * client certificates, and a second CA nobody trusts), and mosquitto with TLS, mutual-TLS, expired
 * and PSK listeners on free loopback ports.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type MosquittoHandle, startMosquitto } from './brokers.js';

/** PEM texts and their files. */
export interface TestCerts {
  /** The directory holding the files (removed by `remove`). */
  readonly dir: string;
  /** The CA that signed the server and client certificates. */
  readonly ca: string;
  /** A CA that signed nothing we use (so its trust does not help). */
  readonly otherCa: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** A client certificate signed by `otherCa`, which the broker does not trust. */
  readonly strangerCert: string;
  readonly strangerKey: string;
  /** The file of each PEM above, by name (`ca.pem`, `server.key` ...). */
  file(name: string): string;
  remove(): void;
}

/** Short, elliptic-curve keys: generating them costs milliseconds, not the seconds RSA takes. */
const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

function signed(dir: string, name: string, ca: string, cn: string, days: string, ext: string): void {
  openssl(dir, ['req', ...KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
  writeFileSync(join(dir, `${name}.ext`), `${ext}\n`);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-days',
    days,
    '-out',
    `${name}.pem`,
    '-extfile',
    `${name}.ext`,
  ]);
}

/** Generates the certificates in a fresh temp directory. */
export function generateCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'mqtt-lifeline-tls-'));
  for (const ca of ['ca', 'other-ca']) {
    openssl(dir, [
      'req',
      '-x509',
      ...KEY,
      '-keyout',
      `${ca}.key`,
      '-out',
      `${ca}.pem`,
      '-days',
      '2',
      '-subj',
      `/CN=${ca}`,
    ]);
  }
  const san = 'subjectAltName=DNS:localhost,IP:127.0.0.1';
  signed(dir, 'server', 'ca', 'localhost', '2', san);
  // OpenSSL 3 accepts a negative validity: notAfter before now, so the certificate has expired.
  signed(dir, 'expired', 'ca', 'localhost', '-1', san);
  signed(dir, 'client', 'ca', 'client', '2', 'extendedKeyUsage=clientAuth');
  signed(dir, 'stranger', 'other-ca', 'stranger', '2', 'extendedKeyUsage=clientAuth');
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  return {
    dir,
    ca: read('ca.pem'),
    otherCa: read('other-ca.pem'),
    serverCert: read('server.pem'),
    serverKey: read('server.key'),
    clientCert: read('client.pem'),
    clientKey: read('client.key'),
    strangerCert: read('stranger.pem'),
    strangerKey: read('stranger.key'),
    file: (name) => join(dir, name),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The PSK the PSK listener knows (identity `device1`). */
export const TEST_PSK = { identity: 'device1', key: '00112233445566778899aabbccddeeff' } as const;

/** mosquitto with one plain and four TLS listeners. */
export interface TlsMosquitto {
  readonly broker: MosquittoHandle;
  /** Server certificate, no client certificate needed. */
  readonly tlsPort: number;
  /** Server certificate, client certificate required (`require_certificate true`). */
  readonly mtlsPort: number;
  /** An expired server certificate. */
  readonly expiredPort: number;
  /** PSK only (`psk_hint`, TLS 1.2 PSK suites); the identity becomes the user name. */
  readonly pskPort: number;
}

/** Starts mosquitto with the TLS listeners of {@link TlsMosquitto}. */
export async function startTlsMosquitto(certs: TestCerts): Promise<TlsMosquitto> {
  const [tlsPort, mtlsPort, expiredPort, pskPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const pskFile = certs.file('psk.txt');
  writeFileSync(pskFile, `${TEST_PSK.identity}:${TEST_PSK.key}\n`);
  const listener = (port: number, cert: string, extra: string[] = []) => [
    `listener ${port} 127.0.0.1`,
    `cafile ${certs.file('ca.pem')}`,
    `certfile ${certs.file(`${cert}.pem`)}`,
    `keyfile ${certs.file(`${cert}.key`)}`,
    ...extra,
  ];
  const config = [
    `psk_file ${pskFile}`,
    ...listener(tlsPort, 'server'),
    ...listener(mtlsPort, 'server', ['require_certificate true']),
    ...listener(expiredPort, 'expired'),
    `listener ${pskPort} 127.0.0.1`,
    'psk_hint mqtt-lifeline',
    'use_identity_as_username true',
  ].join('\n');
  const broker = await startMosquitto({ config });
  return { broker, tlsPort, mtlsPort, expiredPort, pskPort };
}
