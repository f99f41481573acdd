/**
 * Maps a loaded Mongoose `mqtt` / `mqtt1` config (see {@link loadMongooseConfig}) to
 * {@link MqttClientOptions} with the `mongoose` profile, so a device's configuration drives the
 * client unchanged.
 *
 * `keep_alive` and `recv_mbuf_limit` are per section, as in Mongoose (which switches its whole
 * config on failover). `max_queue_length` is client-wide here (the queue outlives a failover),
 * taken from `mqtt`. (`max_qos` and `cloud_events` follow the active section in the
 * {@link MongooseMqtt} facade.) `require_time` is always satisfied (a Node clock is set), and
 * `debug_use_log_level` has no meaning here.
 */
import { ConfigError } from '../../errors.js';
import { MAX_PACKET_BYTES } from '../../protocol/decoder.js';
import type { MqttClient, MqttClientOptions } from '../../runtime/client.js';
import type { ServerConfig } from '../../runtime/options.js';
import type { TlsOptions } from '../../runtime/ports.js';
import { type MongooseServerConfig, resolveServerAddress } from './config.js';
import type { HandlerErrorReporter } from './events.js';

/** Both sections, as {@link loadMongooseConfig} returns them. */
export interface MongooseConfig {
  /** The primary server section. */
  readonly mqtt: MongooseServerConfig;
  /** The backup server section, used after `mqtt` failed at its longest delay (if enabled). */
  readonly mqtt1: MongooseServerConfig;
}

/** What {@link mongooseClientOptions} accepts on top of the config: client options that win, and `deviceId`. */
export interface MongooseOptionsOverrides extends Partial<MqttClientOptions> {
  /**
   * Mongoose's `device.id`: the client id of a section whose `client_id` is empty.
   * @default none (the client generates `mqttlifeline_` and 8 hex digits, kept across reconnects)
   */
  readonly deviceId?: string;
}

/** {@link MqttClientOptions} plus the two settings only the Mongoose facade reads. */
export interface MongooseClientOptions extends MqttClientOptions {
  /**
   * `mqtt.enable`. When false the facade creates no client: `globalConnect()` returns false and
   * nothing ever connects (Mongoose creates no connection object). An `MqttClient` built from
   * these options ignores this flag and connects when told to: it and `cloudEvents` are not
   * enumerable, so they are not client options (spec R338) and spreads leave them out.
   */
  readonly enabled: boolean;
  /** `mqtt.cloud_events`: whether the facade raises the gated cloud events for `mqtt`. */
  readonly cloudEvents: boolean;
}

/** {@link MongooseMqtt} built from a config: it creates its client (only if `mqtt.enable`). */
export interface MongooseMqttFromConfig {
  /** Both sections, as {@link loadMongooseConfig} returns them. */
  readonly config: MongooseConfig;
  /** Client options on top of the mapped ones, and `deviceId`. @default none */
  readonly clientOptions?: MongooseOptionsOverrides;
  /** Receives what a user handler threw. @default console.error */
  readonly onHandlerError?: HandlerErrorReporter;
}

/**
 * {@link MongooseMqtt} over an existing client. `setConnectFn` composes with the client's own
 * connect hook: the client's runs first, then the connect fn (spec R64).
 */
export interface MongooseMqttFromClient {
  /** The client to drive; its server ring should be `[mqtt, mqtt1]`. */
  readonly client: MqttClient;
  /** Both sections: `mqtt.enable`, and per section `max_qos` and `cloud_events`. */
  readonly config: MongooseConfig;
  /** Receives what a user handler threw. @default console.error */
  readonly onHandlerError?: HandlerErrorReporter;
}

/** The queue cannot hold more messages than there are packet ids. */
const MAX_QUEUE_LENGTH = 0xffff;

/** Seconds to ms; rounded to 12 significant digits so `0.07` gives 70, not 70.00000000000001. */
const toMs = (seconds: number): number => Number((seconds * 1000).toPrecision(12));

/** Rethrows the address resolver's `server` error under the section's dotted key. */
function address(cfg: MongooseServerConfig, name: string): ReturnType<typeof resolveServerAddress> {
  try {
    return resolveServerAddress(cfg);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const message = error.message.slice(error.key.length + 2);
    throw new ConfigError(`${name}.${error.key}`, message, { cause: error });
  }
}

/** A Mongoose `ssl_*` value: a file name (as in Mongoose) or, as an extension, PEM text. */
function pem(value: string, inline: 'ca' | 'cert' | 'key'): TlsOptions {
  if (value === '') return {};
  return value.includes('-----BEGIN') ? { [inline]: value } : { [`${inline}File`]: value };
}

/**
 * The TLS settings of a section (spec R78): `ssl_ca_cert`, `ssl_cert`, `ssl_key`,
 * `ssl_cipher_suites`, `ssl_psk_identity` / `ssl_psk_key`, `ssl_server_name`. Pairs that only work
 * together fail at load, naming the key that is missing.
 */
function tlsOf(cfg: MongooseServerConfig, name: string): TlsOptions {
  if ((cfg.ssl_cert === '') !== (cfg.ssl_key === '')) {
    const missing = cfg.ssl_cert === '' ? 'ssl_cert' : 'ssl_key';
    throw new ConfigError(`${name}.${missing}`, 'ssl_cert and ssl_key go together (mutual TLS needs both)');
  }
  if ((cfg.ssl_psk_identity === '') !== (cfg.ssl_psk_key === '')) {
    const missing = cfg.ssl_psk_identity === '' ? 'ssl_psk_identity' : 'ssl_psk_key';
    throw new ConfigError(`${name}.${missing}`, 'ssl_psk_identity and ssl_psk_key go together');
  }
  if (cfg.ssl_psk_key !== '' && !/^(?:[0-9a-fA-F]{2})+$/.test(cfg.ssl_psk_key)) {
    throw new ConfigError(`${name}.ssl_psk_key`, 'must be hex digits (an even number of them)');
  }
  return {
    ...pem(cfg.ssl_ca_cert, 'ca'),
    ...pem(cfg.ssl_cert, 'cert'),
    ...pem(cfg.ssl_key, 'key'),
    ...(cfg.ssl_cipher_suites !== '' ? { ciphers: cfg.ssl_cipher_suites } : {}),
    ...(cfg.ssl_psk_identity !== '' ? { psk: { identity: cfg.ssl_psk_identity, key: cfg.ssl_psk_key } } : {}),
    ...(cfg.ssl_server_name !== '' ? { servername: cfg.ssl_server_name } : {}),
  };
}

/** One section as a server of the ring. */
function server(cfg: MongooseServerConfig, name: string, enabled: boolean, deviceId: string): ServerConfig {
  const resolved = address(cfg, name);
  const tls = resolved.tls ? tlsOf(cfg, name) : undefined;
  const protocol = resolved.ws ? (resolved.tls ? 'wss' : 'ws') : resolved.tls ? 'mqtts' : 'mqtt';
  const hasWill = cfg.will_topic !== '' && cfg.will_message !== '';
  return {
    name,
    host: resolved.host,
    port: resolved.port,
    protocol,
    ...(resolved.ws ? { path: resolved.path } : {}),
    ...(tls !== undefined ? { tls } : {}),
    enabled,
    minDelayMs: toMs(cfg.reconnect_timeout_min),
    maxDelayMs: toMs(cfg.reconnect_timeout_max),
    keepAliveSec: cfg.keep_alive,
    maxIncomingPacketBytes: cfg.recv_mbuf_limit === 0 ? MAX_PACKET_BYTES : cfg.recv_mbuf_limit,
    // Mongoose falls back to device.id; '' lets the client generate one.
    clientId: cfg.client_id !== '' ? cfg.client_id : deviceId,
    clean: cfg.clean_session,
    ...(cfg.user !== '' ? { username: cfg.user } : {}),
    ...(cfg.pass !== '' ? { password: cfg.pass } : {}),
    // Mongoose sends a will only when both are set, always at QoS 0.
    ...(hasWill
      ? {
          will: {
            topic: cfg.will_topic,
            payload: cfg.will_message,
            qos: 0 as const,
            retain: cfg.will_retain,
          },
        }
      : {}),
  };
}

/**
 * Maps a loaded Mongoose config to client options with `profile: 'mongoose'`.
 *
 * - servers: `mqtt` (name `mqtt`, always enabled in the ring: `mqtt.enable` is the facade's gate,
 *   returned as `enabled`), then `mqtt1` (name `mqtt1`, `enabled: mqtt1.enable`) when its `server`
 *   is set; host and port by {@link resolveServerAddress} (1883, or 8883 with `ssl_ca_cert`);
 * - TLS (`mqtts`, or `wss` with `ws_enable`) when `ssl_ca_cert`, `ssl_cert` or `ssl_psk_identity`
 *   is set: `ssl_ca_cert` / `ssl_cert` / `ssl_key` are file names (or PEM text), read at each
 *   connect; `ssl_cipher_suites` (OpenSSL names), `ssl_psk_*`, `ssl_server_name`; the server is
 *   always verified (with the runtime's roots when `ssl_ca_cert` is empty);
 * - `ws_enable` / `ws_path` to MQTT over WebSocket on that path;
 * - `reconnect_timeout_min` / `_max` (seconds, fractions allowed) to `minDelayMs` / `maxDelayMs`;
 * - `client_id`, else `deviceId`, else generated; `clean_session`; `user` / `pass` (empty = absent);
 *   `will_topic` + `will_message` (only both, QoS 0, `will_retain`);
 * - `mqtt.keep_alive` to `keepAliveSec` (0 becomes 60 in the profile);
 * - `mqtt.max_qos` to `session.maxQos`; `mqtt.max_queue_length` to `session.maxQueueLength`
 *   (capped at 65535, the number of packet ids); `mqtt.recv_mbuf_limit` to
 *   `maxIncomingPacketBytes` (0 = no limit);
 * - `mqtt.enable` and `mqtt.cloud_events` returned as `enabled` and `cloudEvents`.
 *
 * @param config - Both sections, as loaded by {@link loadMongooseConfig}.
 * @param overrides - Client options that replace the mapped ones (`session` is merged key by key;
 *   with `servers`, the sections' servers are not mapped at all), and `deviceId`.
 * @returns Options for `new MqttClient(...)` plus the facade's flags.
 * @throws {@link ConfigError} naming the dotted key: `mqtt.server` when it is empty or malformed;
 *   `mqtt.ssl_key` / `mqtt.ssl_cert` (or the PSK pair) when one of a pair is missing;
 *   `mqtt.ssl_psk_key` when it is not hex.
 */
export function mongooseClientOptions(
  config: MongooseConfig,
  overrides: MongooseOptionsOverrides = {},
): MongooseClientOptions {
  const { deviceId = '', session, servers, ...rest } = overrides;
  const { mqtt, mqtt1 } = config;
  const ring =
    servers ??
    [server(mqtt, 'mqtt', true, deviceId)].concat(
      mqtt1.server !== '' ? [server(mqtt1, 'mqtt1', mqtt1.enable, deviceId)] : [],
    );
  const options: MqttClientOptions = {
    profile: 'mongoose',
    keepAliveSec: mqtt.keep_alive,
    maxIncomingPacketBytes: mqtt.recv_mbuf_limit === 0 ? MAX_PACKET_BYTES : mqtt.recv_mbuf_limit,
    ...rest,
    servers: ring,
    session: {
      maxQos: mqtt.max_qos,
      maxQueueLength: Math.min(mqtt.max_queue_length, MAX_QUEUE_LENGTH),
      ...session,
    },
  };
  // The facade's flags are not client options: not enumerable, so `new MqttClient(options)`,
  // which refuses unknown keys (spec R338), takes the result as it is, and spreads leave them out.
  return Object.defineProperties(options, {
    enabled: { value: mqtt.enable },
    cloudEvents: { value: mqtt.cloud_events },
  }) as MongooseClientOptions;
}
