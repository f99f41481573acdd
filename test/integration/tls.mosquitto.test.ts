/**
 * MQTT over TLS against mosquitto with certificates made at test time (spec R72-R75): server
 * verification, mutual TLS, PSK, and each failure as a typed error naming its cause, following the
 * schedule and journalled without secrets.
 */
import { firstValueFrom, take } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMongooseConfig } from '../../adapters/mongoose/config.js';
import { mongooseClientOptions } from '../../adapters/mongoose/options.js';
import { MqttClient } from '../../adapters/node.js';
import type { TransportErrorReason } from '../../errors.js';
import { fromJsonLines, replay, toJsonLines } from '../../machines/journal.js';
import type { MqttClientOptions } from '../../runtime/client.js';
import type { ServerConfig } from '../../runtime/options.js';
import { ofType } from '../../streams/events.js';
import { text } from '../../streams/messages.js';
import { haveMosquitto } from '../support/brokers.js';
import { waitForClientEvent } from '../support/clientEvents.js';
import { connect, useResources } from '../support/integration.js';
import {
  generateCerts,
  startTlsMosquitto,
  TEST_PSK,
  type TestCerts,
  type TlsMosquitto,
} from '../support/tlsFixtures.js';

const { own, checked } = useResources();

describe.runIf(haveMosquitto)('TLS against mosquitto', () => {
  let certs: TestCerts;
  let broker: TlsMosquitto;
  beforeAll(async () => {
    certs = generateCerts();
    broker = await startTlsMosquitto(certs);
  });
  afterAll(async () => {
    await broker?.broker.stop();
    certs?.remove();
  });

  const client = (server: ServerConfig, options: Partial<MqttClientOptions> = {}) =>
    own(
      new MqttClient(
        checked({ servers: [{ minDelayMs: 20, maxDelayMs: 40, ...server }], jitter: 0, ...options }),
      ),
    );

  /** Connects, then round-trips a QoS 1 message through the broker. */
  async function roundTrip(c: MqttClient): Promise<void> {
    await connect(c);
    const got = firstValueFrom(c.subscribe('t/tls', { qos: 1 }).pipe(take(1), text()));
    await firstValueFrom(c.events$.pipe(ofType('suback')));
    await c.publish('t/tls', 'over tls', { qos: 1 });
    expect(await got).toBe('over tls');
  }

  it('verifies the server against the CA given (R72), by URL with the default servername', async () => {
    await roundTrip(client({ url: `mqtts://localhost:${broker.tlsPort}`, tls: { ca: certs.ca } }));
  });

  it('reads the CA from a file, and checks an IP address against the certificate', async () => {
    await roundTrip(
      client({ url: `mqtts://127.0.0.1:${broker.tlsPort}`, tls: { caFile: certs.file('ca.pem') } }),
    );
  });

  it('presents a client certificate to a broker that requires one (mutual TLS)', async () => {
    const tls = { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey };
    await roundTrip(client({ host: 'localhost', port: broker.mtlsPort, tls }));
  });

  it('connects with a pre-shared key (TLS 1.2 PSK suites), the identity as user name', async () => {
    await roundTrip(client({ host: '127.0.0.1', port: broker.pskPort, tls: { psk: TEST_PSK } }));
  });

  it.each([
    ['ssl_ca_cert', () => ({ server: `localhost:${broker.tlsPort}`, ssl_ca_cert: certs.file('ca.pem') })],
    [
      'ssl_cert + ssl_key (mutual TLS), ssl_server_name',
      () => ({
        server: `127.0.0.1:${broker.mtlsPort}`,
        ssl_ca_cert: certs.file('ca.pem'),
        ssl_cert: certs.file('client.pem'),
        ssl_key: certs.file('client.key'),
        ssl_server_name: 'localhost',
      }),
    ],
    [
      'ssl_psk_identity + ssl_psk_key',
      () => ({
        server: `127.0.0.1:${broker.pskPort}`,
        ssl_psk_identity: TEST_PSK.identity,
        ssl_psk_key: TEST_PSK.key,
      }),
    ],
  ])('a Mongoose config with %s connects over TLS (R78)', async (_, section) => {
    const config = loadMongooseConfig({ mqtt: { enable: true, ...section() } });
    await roundTrip(own(new MqttClient(checked(mongooseClientOptions(config)))));
  });

  const failures: [string, () => ServerConfig, TransportErrorReason][] = [
    [
      'unknown CA',
      () => ({ url: `mqtts://localhost:${broker.tlsPort}`, tls: { ca: certs.otherCa } }),
      'TLS_UNKNOWN_CA',
    ],
    ['no CA at all (system roots)', () => ({ url: `mqtts://localhost:${broker.tlsPort}` }), 'TLS_UNKNOWN_CA'],
    [
      'hostname mismatch',
      () => ({
        url: `mqtts://127.0.0.1:${broker.tlsPort}`,
        tls: { ca: certs.ca, servername: 'not-the-broker.example' },
      }),
      'TLS_HOSTNAME_MISMATCH',
    ],
    [
      'expired certificate',
      () => ({ url: `mqtts://localhost:${broker.expiredPort}`, tls: { ca: certs.ca } }),
      'TLS_CERT_EXPIRED',
    ],
    [
      'missing client certificate',
      () => ({ url: `mqtts://localhost:${broker.mtlsPort}`, tls: { ca: certs.ca } }),
      'TLS_CLIENT_CERT_REQUIRED',
    ],
    [
      'client certificate from an unknown CA',
      () => ({
        url: `mqtts://localhost:${broker.mtlsPort}`,
        tls: { ca: certs.ca, cert: certs.strangerCert, key: certs.strangerKey },
      }),
      'TLS_CLIENT_CERT_REJECTED',
    ],
    [
      'wrong PSK',
      () => ({
        url: `mqtts://127.0.0.1:${broker.pskPort}`,
        tls: { psk: { identity: TEST_PSK.identity, key: 'ffeeddcc' } },
      }),
      'TLS_PSK_REJECTED',
    ],
    [
      'unreadable CA file',
      () => ({ url: `mqtts://localhost:${broker.tlsPort}`, tls: { caFile: '/nonexistent/ca.pem' } }),
      'TLS_CONFIG',
    ],
  ];

  it.each(failures)(
    '%s is a connect error with a typed reason, retried on the schedule (R75)',
    async (_, server, reason) => {
      const c = client(server(), { journal: true });
      const errors = waitForClientEvent(c, 'connect.error', () => true, { count: 2 });
      const backoff = waitForClientEvent(c, 'backoff');
      c.connect();
      const second = await errors;
      expect(second.error).toMatchObject({ code: 'TRANSPORT_ERROR', reason });
      expect((await backoff).server).toBe('mqtt');
      expect(c.isConnected()).toBe(false);
    },
  );

  it('journals TLS failures without keys, PSKs or certificates (R41, R75)', async () => {
    const c = client(
      {
        url: `mqtts://127.0.0.1:${broker.pskPort}`,
        tls: {
          psk: { identity: TEST_PSK.identity, key: 'ffeeddcc' },
          cert: certs.strangerCert,
          key: certs.strangerKey,
        },
        password: 'hunter2',
        username: 'u',
      },
      { journal: true },
    );
    const error = waitForClientEvent(c, 'connect.error');
    c.connect();
    expect((await error).error.message).toMatch(/^tls 127\.0\.0\.1:\d+: /);
    const journal = c.lifecycle.journal();
    const text = toJsonLines(journal);
    // The typed reason travels in the journal, and the journal replays to the live state (R42).
    expect(text).toContain('"reason":"TLS_PSK_REJECTED"');
    const steps = replay(fromJsonLines(text));
    expect(steps.at(-1)?.context.lastError).toMatchObject({ reason: 'TLS_PSK_REJECTED' });
    for (const secret of [
      'ffeeddcc',
      'hunter2',
      'PRIVATE KEY',
      'CERTIFICATE',
      certs.strangerKey.slice(40, 80),
    ]) {
      expect(text).not.toContain(secret);
    }
  });
});
