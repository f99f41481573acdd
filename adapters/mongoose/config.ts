/**
 * Loads the `mqtt` and `mqtt1` sections of a Mongoose OS config document (`mos.yml` schema of
 * mongoose-os-libs/mqtt), so a device's existing configuration drives this client unchanged.
 *
 * Typos and wrong types fail loudly with a {@link ConfigError} naming the dotted key: a silently
 * ignored `reconect_timeout_min` would otherwise run with the default for months.
 */
import { ConfigError } from '../../errors.js';
import { validateTopicName } from '../../protocol/topics.js';
import { FIELDS, parseServer, show, unknownKeyMessage } from './configFields.js';
import {
  MONGOOSE_MQTT_DEFAULTS,
  MONGOOSE_MQTT1_DEFAULTS,
  type MongooseServerConfig,
} from './configSchema.js';

export {
  MONGOOSE_MQTT_DEFAULTS,
  MONGOOSE_MQTT1_DEFAULTS,
  type MongooseServerConfig,
} from './configSchema.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function loadSection(raw: unknown, name: string, defaults: MongooseServerConfig): MongooseServerConfig {
  if (raw === undefined) return { ...defaults };
  if (!isRecord(raw)) throw new ConfigError(name, `must be an object, got ${show(raw)}`);
  const out: Record<string, unknown> = { ...defaults };
  for (const key of Object.keys(raw)) {
    const dotted = `${name}.${key}`;
    if (!Object.hasOwn(FIELDS, key)) throw new ConfigError(dotted, unknownKeyMessage(key));
    const check = FIELDS[key as keyof MongooseServerConfig] as (value: unknown, key: string) => unknown;
    out[key] = check(raw[key], dotted);
  }
  const cfg = out as unknown as MongooseServerConfig;
  checkSection(cfg, name);
  return cfg;
}

/**
 * Rules across keys. Malformed values fail whatever `enable` says; rules that only matter for
 * connecting (a server is needed, a password needs a user) apply to enabled sections only.
 */
function checkSection(cfg: MongooseServerConfig, name: string): void {
  if (cfg.reconnect_timeout_max < cfg.reconnect_timeout_min) {
    throw new ConfigError(
      `${name}.reconnect_timeout_max`,
      `must be at least reconnect_timeout_min (${cfg.reconnect_timeout_min}), got ${cfg.reconnect_timeout_max}`,
    );
  }
  if (cfg.server !== '' || cfg.enable) parseServer(cfg.server, `${name}.server`);
  if (cfg.will_topic !== '') {
    try {
      validateTopicName(cfg.will_topic);
    } catch (error) {
      throw new ConfigError(`${name}.will_topic`, (error as Error).message, { cause: error });
    }
  }
  if (cfg.ws_path !== '' && !cfg.ws_path.startsWith('/')) {
    throw new ConfigError(`${name}.ws_path`, `must start with /, got ${show(cfg.ws_path)}`);
  }
  if (cfg.enable && cfg.pass !== '' && cfg.user === '') {
    throw new ConfigError(`${name}.pass`, 'needs a user: MQTT 3.1.1 forbids a password without a user name');
  }
  if (cfg.enable && cfg.ws_enable && cfg.ws_path === '') {
    throw new ConfigError(`${name}.ws_path`, 'must not be empty when ws_enable is set');
  }
}

/**
 * Loads the `mqtt` and `mqtt1` sections of a Mongoose config document.
 *
 * Missing sections and keys take Mongoose's defaults; each section is loaded on its own, so `mqtt1`
 * gets {@link MONGOOSE_MQTT1_DEFAULTS}, not `mqtt`'s values. Other top-level sections (`wifi`,
 * `device`, `debug` and so on) are ignored, so a whole device config can be passed.
 *
 * @param doc - The document as an object, or as a JSON string.
 * @returns Both sections, complete, with `max_qos` normalised to 0..2.
 * @throws {@link ConfigError} naming the dotted key (`mqtt.keep_alive`) on an unknown key, a wrong
 *   type or range, or a broken cross-key rule; with key `(document)` when `doc` is not an object or
 *   not valid JSON.
 */
export function loadMongooseConfig(doc: unknown): {
  mqtt: MongooseServerConfig;
  mqtt1: MongooseServerConfig;
} {
  let root = doc;
  if (typeof doc === 'string') {
    try {
      root = JSON.parse(doc);
    } catch (error) {
      throw new ConfigError('(document)', `is not valid JSON: ${(error as Error).message}`, { cause: error });
    }
  }
  if (!isRecord(root)) {
    throw new ConfigError('(document)', `must be an object with mqtt and mqtt1 sections, got ${show(root)}`);
  }
  return {
    mqtt: loadSection(root.mqtt, 'mqtt', MONGOOSE_MQTT_DEFAULTS),
    mqtt1: loadSection(root.mqtt1, 'mqtt1', MONGOOSE_MQTT1_DEFAULTS),
  };
}

/**
 * Where and how to connect for one section, with Mongoose's default-port rule: a `server` without a
 * port gets 8883 when `ssl_ca_cert` is set and 1883 otherwise. Only `ssl_ca_cert` decides, and
 * WebSocket follows the same rule (not 80 / 443), as in Mongoose.
 *
 * TLS is on when `ssl_ca_cert`, `ssl_cert` or `ssl_psk_identity` is set: each of them only makes
 * sense over TLS. (So `ssl_cert` alone means TLS on port 1883, again as in Mongoose.)
 *
 * Unlike Mongoose, which appends a port only when `server` has no `:`, a bracketed IPv6 address
 * without a port (`[::1]`) also gets the default port.
 *
 * @param cfg - A loaded section.
 * @returns `host` (IPv6 without brackets: add them back to build a URL), `port`, `tls`, `ws` and
 *   the WebSocket `path` (meaningful only when `ws`).
 * @throws {@link ConfigError} with key `server` when `server` is empty or not `host[:port]`.
 */
export function resolveServerAddress(cfg: MongooseServerConfig): {
  host: string;
  port: number;
  tls: boolean;
  ws: boolean;
  path: string;
} {
  const { host, port } = parseServer(cfg.server, 'server');
  return {
    host,
    port: port ?? (cfg.ssl_ca_cert !== '' ? 8883 : 1883),
    tls: cfg.ssl_ca_cert !== '' || cfg.ssl_cert !== '' || cfg.ssl_psk_identity !== '',
    ws: cfg.ws_enable,
    path: cfg.ws_path,
  };
}
