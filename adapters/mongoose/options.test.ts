/** The Mongoose config -> MqttClient options mapping, key by key (no broker needed). */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.js';
import { MAX_PACKET_BYTES } from '../../protocol/decoder.js';
import { MqttClient } from '../node.js';
import { loadMongooseConfig, MONGOOSE_MQTT_DEFAULTS, MONGOOSE_MQTT1_DEFAULTS } from './config.js';
import { mongooseClientOptions } from './options.js';

/** Maps a document's `mqtt` section (enabled, server `h`) plus `extra`. */
function map(mqtt: Record<string, unknown>, mqtt1: Record<string, unknown> = {}, overrides = {}) {
  const config = loadMongooseConfig({ mqtt: { enable: true, server: 'h', ...mqtt }, mqtt1 });
  return mongooseClientOptions(config, overrides);
}

function mapError(mqtt: Record<string, unknown>, mqtt1: Record<string, unknown> = {}): ConfigError {
  try {
    map(mqtt, mqtt1);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  return expect.fail('mapped without error');
}

describe('mongooseClientOptions', () => {
  it('maps the defaults to the mongoose profile with one server', () => {
    const options = map({});
    expect(options).toEqual({
      profile: 'mongoose',
      keepAliveSec: 60,
      maxIncomingPacketBytes: 3072,
      servers: [
        {
          name: 'mqtt',
          host: 'h',
          port: 1883,
          protocol: 'mqtt',
          enabled: true,
          minDelayMs: 2000,
          maxDelayMs: 60_000,
          keepAliveSec: 60,
          maxIncomingPacketBytes: 3072,
          clientId: '',
          clean: true,
        },
      ],
      session: { maxQos: 2, maxQueueLength: 5 },
    });
    // The facade's flags are there, but not enumerable: not client options (R338).
    expect(options).toMatchObject({ enabled: true, cloudEvents: true });
    expect(Object.keys(options)).not.toContain('enabled');
    // The result is accepted by the client as it is.
    expect(() => new MqttClient(options)).not.toThrow();
  });

  it('keeps keep_alive and recv_mbuf_limit per section, as Mongoose switches its whole config', () => {
    const config = loadMongooseConfig({
      mqtt: { enable: true, server: 'p', keep_alive: 30, recv_mbuf_limit: 1000 },
      mqtt1: { enable: true, server: 'b', keep_alive: 5, recv_mbuf_limit: 0 },
    });
    const [primary, backup] = mongooseClientOptions(config).servers;
    expect(primary).toMatchObject({ keepAliveSec: 30, maxIncomingPacketBytes: 1000 });
    expect(backup).toMatchObject({ keepAliveSec: 5, maxIncomingPacketBytes: MAX_PACKET_BYTES });
  });

  it('returns enable and cloud_events as flags for the facade', () => {
    const config = { mqtt: { ...MONGOOSE_MQTT_DEFAULTS }, mqtt1: { ...MONGOOSE_MQTT1_DEFAULTS } };
    expect(mongooseClientOptions(config)).toMatchObject({ enabled: false, cloudEvents: true });
    expect(map({ cloud_events: false })).toMatchObject({ enabled: true, cloudEvents: false });
  });

  it('resolves server into host and port (1883 by default, IPv6 without brackets)', () => {
    expect(map({ server: 'broker.example:1884' }).servers[0]).toMatchObject({
      host: 'broker.example',
      port: 1884,
    });
    expect(map({ server: '[::1]' }).servers[0]).toMatchObject({ host: '::1', port: 1883 });
  });

  it('names the dotted key of a bad server', () => {
    const config = {
      mqtt: { ...MONGOOSE_MQTT_DEFAULTS, enable: true, server: '' },
      mqtt1: MONGOOSE_MQTT1_DEFAULTS,
    };
    expect(() => mongooseClientOptions(config)).toThrow(/^mqtt\.server: must not be empty/);
  });

  it('converts reconnect timeouts from seconds to ms, fractions included', () => {
    expect(map({ reconnect_timeout_min: 0.01, reconnect_timeout_max: 0.07 }).servers[0]).toMatchObject({
      minDelayMs: 10,
      maxDelayMs: 70,
    });
    expect(map({ reconnect_timeout_min: 1.5, reconnect_timeout_max: 2.25 }).servers[0]).toMatchObject({
      minDelayMs: 1500,
      maxDelayMs: 2250,
    });
  });

  it('uses client_id, else deviceId, else lets the client generate one', () => {
    expect(map({ client_id: 'dev-1' }, {}, { deviceId: 'esp32_ABC' }).servers[0]?.clientId).toBe('dev-1');
    const fallback = map({}, {}, { deviceId: 'esp32_ABC' });
    expect(fallback.servers[0]?.clientId).toBe('esp32_ABC');
    expect(fallback).not.toHaveProperty('deviceId');
    expect(map({}).servers[0]?.clientId).toBe('');
  });

  it('maps clean_session, keep_alive, user and pass (empty = absent)', () => {
    const options = map({ clean_session: false, keep_alive: 0, user: 'u', pass: 'p' });
    expect(options.servers[0]).toMatchObject({ clean: false, username: 'u', password: 'p' });
    // 0 stays 0 here; the mongoose profile turns it into 60.
    expect(options.keepAliveSec).toBe(0);
    const anonymous = map({}).servers[0];
    expect(anonymous).not.toHaveProperty('username');
    expect(anonymous).not.toHaveProperty('password');
    expect(map({ user: 'u' }).servers[0]).not.toHaveProperty('password');
  });

  it('sends a will only when both will_topic and will_message are set, at QoS 0', () => {
    expect(
      map({ will_topic: 'dev/status', will_message: 'gone', will_retain: true }).servers[0]?.will,
    ).toEqual({
      topic: 'dev/status',
      payload: 'gone',
      qos: 0,
      retain: true,
    });
    expect(map({ will_topic: 'dev/status' }).servers[0]).not.toHaveProperty('will');
    expect(map({ will_message: 'gone' }).servers[0]).not.toHaveProperty('will');
  });

  it('maps max_qos, max_queue_length (capped at 65535) and recv_mbuf_limit (0 = no limit)', () => {
    const options = map({ max_qos: 0, max_queue_length: 0, recv_mbuf_limit: 0 });
    expect(options.session).toEqual({ maxQos: 0, maxQueueLength: 0 });
    expect(options.maxIncomingPacketBytes).toBe(268_435_460);
    expect(map({ max_qos: -1, max_queue_length: 100_000, recv_mbuf_limit: 512 })).toMatchObject({
      session: { maxQos: 2, maxQueueLength: 65_535 },
      maxIncomingPacketBytes: 512,
    });
  });

  it('adds mqtt1 when its server is set, enabled as mqtt1.enable', () => {
    expect(map({}).servers).toHaveLength(1);
    const options = map({}, { enable: true, server: 'backup:1885', user: 'b', reconnect_timeout_min: 0.5 });
    expect(options.servers[1]).toMatchObject({
      name: 'mqtt1',
      host: 'backup',
      port: 1885,
      enabled: true,
      username: 'b',
      minDelayMs: 500,
    });
    expect(map({}, { server: 'backup' }).servers[1]).toMatchObject({
      name: 'mqtt1',
      enabled: false,
      port: 1883,
    });
  });

  it.each([
    [{ ssl_ca_cert: 'ca.pem' }, { protocol: 'mqtts', port: 8883, tls: { caFile: 'ca.pem' } }],
    [
      { ssl_ca_cert: '-----BEGIN CERTIFICATE-----\nx', ssl_server_name: 'broker.example' },
      { protocol: 'mqtts', tls: { ca: '-----BEGIN CERTIFICATE-----\nx', servername: 'broker.example' } },
    ],
    [
      { ssl_cert: 'c.pem', ssl_key: 'k.pem', ssl_cipher_suites: 'ECDHE-RSA-AES128-GCM-SHA256' },
      {
        protocol: 'mqtts',
        port: 1883,
        tls: { certFile: 'c.pem', keyFile: 'k.pem', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' },
      },
    ],
    [
      { ssl_psk_identity: 'dev', ssl_psk_key: '00ff' },
      { protocol: 'mqtts', port: 1883, tls: { psk: { identity: 'dev', key: '00ff' } } },
    ],
    [{ ws_enable: true }, { protocol: 'ws', port: 1883, path: '/mqtt' }],
    [
      { ws_enable: true, ws_path: '/ws', ssl_ca_cert: 'ca.pem' },
      { protocol: 'wss', port: 8883, path: '/ws', tls: { caFile: 'ca.pem' } },
    ],
  ])('maps TLS and WebSocket keys (R78): %j', (section, expected) => {
    const mapped = map(section).servers[0];
    expect(mapped).toMatchObject(expected);
    if (!('tls' in expected)) expect(mapped).not.toHaveProperty('tls');
    // The client accepts what the mapping produced.
    expect(() => new MqttClient(map(section))).not.toThrow();
  });

  it.each([
    [{ ssl_cert: 'c.pem' }, 'mqtt.ssl_key'],
    [{ ssl_key: 'k.pem', ssl_ca_cert: 'ca.pem' }, 'mqtt.ssl_cert'],
    [{ ssl_psk_identity: 'id' }, 'mqtt.ssl_psk_key'],
    [{ ssl_psk_identity: 'id', ssl_psk_key: 'xyz' }, 'mqtt.ssl_psk_key'],
  ])('refuses half a TLS pair or a non-hex PSK: %j names %s', (section, key) => {
    expect(mapError(section).key).toBe(key);
    expect(mapError({}, { enable: true, server: 'b', ...section }).key).toBe(key.replace('mqtt.', 'mqtt1.'));
  });

  it('lets overrides win: session merged key by key, servers replacing the mapped ones', () => {
    const options = map({ max_qos: 1 }, {}, { session: { maxInflight: 4 }, keepAliveSec: 30 });
    expect(options.session).toEqual({ maxQos: 1, maxQueueLength: 5, maxInflight: 4 });
    expect(options.keepAliveSec).toBe(30);
    // With explicit servers a section is not mapped, so its half TLS pair does not fail.
    const servers = [{ host: 'elsewhere', port: 2000 }];
    expect(map({ ssl_cert: 'c.pem' }, {}, { servers }).servers).toBe(servers);
  });
});
