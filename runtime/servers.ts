/**
 * Where and how to reach each server (spec R70-R72): a `url` or `host` / `port` / `protocol`
 * resolved to one address and scheme, host names checked, `tls` settings handed to the transport's
 * check. Internal to
 * {@link normaliseOptions}.
 *
 * @module
 */
import { ConfigError } from '../errors.js';
import type { ConnectOptions } from '../protocol/connect.js';
import { checkInt, checkOneOf, got } from '../protocol/optionChecks.js';
import type { TlsOptions, TransportFactory, TransportScheme } from './ports.js';
import {
  checkHost,
  DEFAULT_PORTS,
  DEFAULT_WS_PATH,
  isTlsScheme,
  isWebSocketScheme,
  parseServerUrl,
  webSocketUrl,
} from './serverUrl.js';

/** One broker the client may connect to. Servers form a ring: the first is the primary. */
export interface ServerConfig extends ConnectOptions {
  /** A label for events and the journal. @default 'mqtt' for the first server, 'mqtt1' for the second, 'mqttN' after */
  readonly name?: string;
  /**
   * Where the server is, as a URL: `mqtt://`, `mqtts://`, `ws://`, `wss://` with optional
   * `user:password@`, port and (WebSocket) path (spec R70). Either `url` or `host` is required;
   * `host`, `port` and `protocol` given next to it must agree with it.
   * @default none
   */
  readonly url?: string;
  /** Host name or IP address (not a URL: use `url`). Required without `url`. */
  readonly host?: string;
  /** TCP port. @default by scheme: 1883, 8883 (mqtts), 80 (ws), 443 (wss) */
  readonly port?: number;
  /** How to reach it, when not given by `url`. @default 'mqtts' when `tls` is set, else 'mqtt' */
  readonly protocol?: TransportScheme;
  /** WebSocket path (with query), for `ws` / `wss`. @default '/mqtt' */
  readonly path?: string;
  /** TLS settings for `mqtts` / `wss` (CA, client certificate, PSK, SNI, ALPN ...). @default none */
  readonly tls?: TlsOptions;
  /** Whether failover may use this server. @default true */
  readonly enabled?: boolean;
  /** `reconnect_timeout_min` in ms. @default 2000 */
  readonly minDelayMs?: number;
  /** `reconnect_timeout_max` in ms. @default 60000 */
  readonly maxDelayMs?: number;
  /** How to reach it. @default the client's `transport` */
  readonly transport?: TransportFactory;
  /** Largest inbound packet from this server (Mongoose `recv_mbuf_limit`). @default the client's `maxIncomingPacketBytes` */
  readonly maxIncomingPacketBytes?: number;
  /**
   * The MQTT version spoken to this server: 4 (3.1.1) or 5 (spec R235). An `mqtt://` or `mqtts://`
   * URL may say it too, as `?protocolVersion=5`.
   * @default the client's `protocolVersion` (4)
   */
  readonly protocolVersion?: ProtocolVersion;
  /**
   * MQTT 5 Session Expiry Interval, in seconds (spec R319): how long the broker keeps the session
   * after the connection closes; 0xFFFFFFFF never ends it. Sent with the CONNECT; the broker's
   * CONNACK may override it. MQTT 3.1.1 has no such interval: on a 3.1.1 server it is a
   * `ConfigError` (spec R340).
   * @default 0xFFFFFFFF with `clean: false` (3.1.1's meaning), none (0) with `clean: true`
   */
  readonly sessionExpirySec?: number;
}

/** The MQTT versions the client speaks: 4 is MQTT 3.1.1, 5 is MQTT 5.0. */
export type ProtocolVersion = 4 | 5;

/**
 * A server as the runtime keeps it: named, with where and how to connect resolved (spec R70),
 * and the transport that reaches it.
 */
export interface NormalisedServer extends ServerConfig {
  readonly name: string;
  readonly transport: TransportFactory;
  readonly host: string;
  readonly port: number;
  readonly protocol: TransportScheme;
  /** The WebSocket URL, for `ws` / `wss`. */
  readonly url?: string;
  /** The MQTT version spoken to this server (spec R235). */
  readonly protocolVersion: ProtocolVersion;
}

/** A server with where and how to reach it resolved (before naming and the transport). */
export type ResolvedServer = Omit<NormalisedServer, 'name' | 'transport' | 'protocolVersion'> & {
  readonly protocolVersion?: ProtocolVersion;
};

/** The schemes a server's `protocol` may name. */
const SCHEMES = Object.keys(DEFAULT_PORTS) as TransportScheme[];

/** A `url` field and the separate fields next to it must not disagree. */
function agree(key: string, field: string, given: unknown, fromUrl: unknown): void {
  if (given !== undefined && given !== fromUrl) {
    throw new ConfigError(
      `${key}.${field}`,
      `${String(given)} disagrees with ${key}.url (${String(fromUrl)})`,
    );
  }
}

/**
 * Where and how to reach one server: from `url`, else from `host` / `port` / `protocol`
 * (spec R70-R71). Credentials in the URL become `username` / `password` unless given separately;
 * `tls` settings are checked by `transport` (the one that will reach the server), if it can.
 */
export function resolveServer(
  s: ServerConfig,
  key: string,
  transport: TransportFactory | undefined,
): ResolvedServer {
  // MQTT.js users write a server as a URL string: say what a server is here.
  if (typeof s !== 'object' || s === null)
    throw new ConfigError(key, `a server is { url } or { host, port }${got(s)}`);
  // A copy with where and how to connect resolved; `sessionExpirySec` is MQTT 5's: its range is the
  // profile's check (R362).
  const server: { -readonly [K in keyof ResolvedServer]: ResolvedServer[K] } = Object.assign(
    {},
    s,
  ) as ResolvedServer;
  let protocol: TransportScheme;
  let host: string;
  let port: number;
  let path: string | undefined;
  if (s.url !== undefined) {
    const u = parseServerUrl(s.url, `${key}.url`);
    agree(key, 'protocol', s.protocol, u.scheme);
    agree(key, 'port', s.port, u.port);
    agree(key, 'protocolVersion', s.protocolVersion, u.protocolVersion ?? s.protocolVersion);
    if (s.host !== undefined && checkHost(s.host, `${key}.host`) !== u.host)
      agree(key, 'host', s.host, u.host);
    ({ scheme: protocol, host, port, path } = u);
    // What the URL says that separate fields did not: credentials and the protocol version.
    if (u.protocolVersion !== undefined) server.protocolVersion = u.protocolVersion;
    if (s.username === undefined && u.username !== undefined) server.username = u.username;
    if (s.password === undefined && u.password !== undefined) server.password = u.password;
  } else {
    protocol = checkOneOf(`${key}.protocol`, s.protocol ?? (s.tls !== undefined ? 'mqtts' : 'mqtt'), SCHEMES);
    host = checkHost(s.host, `${key}.host`);
    port = s.port === undefined ? DEFAULT_PORTS[protocol] : checkInt(`${key}.port`, s.port, 1, 65535);
    path = s.path;
  }
  if (s.tls !== undefined) {
    // Certificates or a PSK for a plain connection are a mistake that would send secrets in the clear.
    if (!isTlsScheme(protocol))
      throw new ConfigError(`${key}.tls`, `is set but the server is ${protocol}://; use mqtts:// or wss://`);
    if (typeof s.tls !== 'object' || s.tls === null) throw new ConfigError(`${key}.tls`, 'must be an object');
    // The transport that takes the settings checks them (Node's TLS and `ws`; spec R72), so a
    // browser bundle does not carry checks for settings it cannot use.
    transport?.checkTls?.(s.tls, key);
  }
  server.host = host;
  server.port = port;
  server.protocol = protocol;
  if (isWebSocketScheme(protocol)) {
    path = s.path ?? path ?? DEFAULT_WS_PATH;
    if (!path.startsWith('/')) throw new ConfigError(`${key}.path`, `must start with /${got(path)}`);
    server.path = path;
    server.url = webSocketUrl(protocol as 'ws' | 'wss', host, port, path);
  }
  return server;
}
