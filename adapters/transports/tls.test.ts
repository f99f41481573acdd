/**
 * The TLS transport's settings (spec R72): what reaches `tls.connect`, what is refused at
 * construction, and ALPN / minimum version / skipped verification against a real TLS server.
 */
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.js';
import type { TlsOptions } from '../../runtime/ports.js';
import { generateCerts } from '../../test/support/tlsFixtures.js';
import { recorder } from '../../test/support/transportContract.js';
import { MqttClient } from '../node.js';
import { createTlsTransport, opensslCiphers, PSK_CIPHERS, tlsConnectOptions } from './tls.js';

const certs = generateCerts();
afterAll(() => certs.remove());

describe('tlsConnectOptions (R72)', () => {
  it('verifies by default, sends SNI for names and not for IP addresses', () => {
    expect(tlsConnectOptions({ host: 'broker.example', port: 8883 })).toMatchObject({
      rejectUnauthorized: true,
      servername: 'broker.example',
      minVersion: 'TLSv1.2',
    });
    expect(tlsConnectOptions({ host: '10.0.0.1', port: 8883 })).not.toHaveProperty('servername');
    expect(
      tlsConnectOptions({ host: '10.0.0.1', port: 8883, tls: { servername: 'b.example' } }).servername,
    ).toBe('b.example');
  });

  it('maps CA, client certificate, ALPN, minimum version and ciphers', () => {
    const t: TlsOptions = {
      ca: [certs.ca, new TextEncoder().encode(certs.otherCa)],
      cert: certs.clientCert,
      key: certs.clientKey,
      alpn: ['x-amzn-mqtt-ca'],
      minVersion: 'TLSv1.3',
      ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256',
    };
    const o = tlsConnectOptions({ host: 'h', port: 1, tls: t });
    expect(o).toMatchObject({
      cert: certs.clientCert,
      key: certs.clientKey,
      ALPNProtocols: ['x-amzn-mqtt-ca'],
    });
    expect(o).toMatchObject({ minVersion: 'TLSv1.3', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' });
    expect((o.ca as unknown[]).map(String)).toEqual([certs.ca, certs.otherCa]);
  });

  it('turns a PSK into a TLS 1.2 pskCallback with PSK suites, the key as bytes', () => {
    const o = tlsConnectOptions({ host: 'h', port: 1, tls: { psk: { identity: 'dev', key: '0a0b' } } });
    expect(o).toMatchObject({ maxVersion: 'TLSv1.2', ciphers: PSK_CIPHERS });
    expect(o.pskCallback?.('hint')).toEqual({
      identity: 'dev',
      psk: Buffer.from([0x0a, 0x0b]),
    });
  });

  it('only turns verification off when told so, by its loud name', () => {
    expect(
      tlsConnectOptions({ host: 'h', port: 1, tls: { dangerouslySkipVerification: true } })
        .rejectUnauthorized,
    ).toBe(false);
  });
});

describe('opensslCiphers (R78)', () => {
  it.each([
    ['TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256'],
    ['TLS-PSK-WITH-AES-128-CBC-SHA256', 'PSK-AES128-CBC-SHA256'],
    ['TLS_RSA_WITH_AES_128_CBC_SHA', 'AES128-SHA'],
    ['TLS-ECDHE-RSA-WITH-AES-256-CBC-SHA', 'ECDHE-RSA-AES256-SHA'],
    ['TLS-ECDHE-RSA-WITH-CHACHA20-POLY1305-SHA256', 'ECDHE-RSA-CHACHA20-POLY1305'],
    [
      'ECDHE-RSA-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256',
      'ECDHE-RSA-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256',
    ],
    [
      'TLS-PSK-WITH-AES-128-GCM-SHA256, TLS-NOPE-WITH-AES-128-GCM-SHA256',
      'PSK-AES128-GCM-SHA256:TLS-NOPE-WITH-AES-128-GCM-SHA256',
    ],
  ])('%s -> %s', (mongoose, openssl) => {
    expect(opensslCiphers(mongoose)).toBe(openssl);
  });

  it('an unknown cipher fails the attempt as TLS_CONFIG', async () => {
    const rec = recorder();
    createTlsTransport()({ host: 'localhost', port: 1, tls: { ciphers: 'NO-SUCH-CIPHER' } }, rec.handlers);
    await rec.when('close');
    expect(rec.errors[0]).toMatchObject({ reason: 'TLS_CONFIG' });
  });
});

describe('tls settings refused at construction (R72)', () => {
  it.each([
    [{ psk: { identity: 'dev', key: 'not hex' } }, 'servers[0].tls.psk.key'],
    [{ psk: { identity: '', key: '00' } }, 'servers[0].tls.psk.identity'],
    [{ psk: { identity: 'd', key: '00' }, minVersion: 'TLSv1.3' }, 'servers[0].tls.minVersion'],
    [{ minVersion: 'TLSv1.0' }, 'servers[0].tls.minVersion'],
    [{ cert: certs.clientCert }, 'servers[0].tls.key'],
    [{ keyFile: '/k.pem' }, 'servers[0].tls.cert'],
    [{ ca: 42 }, 'servers[0].tls.ca'],
    [{ alpn: 'mqtt' }, 'servers[0].tls.alpn'],
    [{ dangerouslySkipVerification: 'yes' }, 'servers[0].tls.dangerouslySkipVerification'],
  ])('%j names %s', (tlsOptions, key) => {
    const make = () => new MqttClient({ servers: [{ host: 'h', tls: tlsOptions as TlsOptions }] });
    expect(make).toThrow(ConfigError);
    expect(make).toThrow(expect.objectContaining({ key }));
    expect(make).not.toThrow(/not hex/);
  });
});

describe('TLS handshakes against a Node TLS server', () => {
  async function server(options: tls.TlsOptions) {
    const seen: { alpn: string | false | null; version: string | null }[] = [];
    const s = tls.createServer({ cert: certs.serverCert, key: certs.serverKey, ...options }, (socket) => {
      seen.push({ alpn: socket.alpnProtocol, version: socket.getProtocol() });
      socket.end();
    });
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    return { port: (s.address() as AddressInfo).port, seen, close: () => new Promise((r) => s.close(r)) };
  }

  it('offers ALPN and holds the minimum version', async () => {
    const s = await server({ ALPNProtocols: ['x-amzn-mqtt-ca'] });
    const rec = recorder();
    createTlsTransport()(
      {
        host: 'localhost',
        port: s.port,
        tls: { ca: certs.ca, alpn: ['x-amzn-mqtt-ca'], minVersion: 'TLSv1.3' },
      },
      rec.handlers,
    );
    await rec.when('close');
    expect(rec.kinds).toEqual(['open', 'close']);
    expect(s.seen).toEqual([{ alpn: 'x-amzn-mqtt-ca', version: 'TLSv1.3' }]);
    await s.close();
  });

  it('refuses a server below the minimum version', async () => {
    const s = await server({ maxVersion: 'TLSv1.2' });
    const rec = recorder();
    createTlsTransport()(
      { host: 'localhost', port: s.port, tls: { ca: certs.ca, minVersion: 'TLSv1.3' } },
      rec.handlers,
    );
    await rec.when('close');
    expect(rec.kinds).toEqual(['error', 'close']);
    expect(rec.errors[0]).toMatchObject({ reason: 'TLS_HANDSHAKE' });
    await s.close();
  });

  it('accepts an untrusted server only with dangerouslySkipVerification', async () => {
    const s = await server({});
    for (const skip of [false, true]) {
      const rec = recorder();
      createTlsTransport()(
        { host: 'localhost', port: s.port, tls: { dangerouslySkipVerification: skip } },
        rec.handlers,
      );
      await rec.when('close');
      expect(rec.kinds[0]).toBe(skip ? 'open' : 'error');
    }
    await s.close();
  });
});
