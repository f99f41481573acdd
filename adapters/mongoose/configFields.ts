/**
 * Per-key checks for the Mongoose `mqtt` / `mqtt1` config sections, the typo suggestion, and the
 * `server` parser. Internal to {@link loadMongooseConfig}; import the public API from
 * `./mongooseConfig.js`.
 */
import { ConfigError } from '../../errors.js';
import type { MongooseServerConfig } from './configSchema.js';

/**
 * The longest reconnect timeout, in seconds. `setTimeout` fires at once for delays above 2^31-1 ms,
 * so a larger value would turn the slowest backoff into the fastest.
 */
const MAX_TIMEOUT_SECONDS = 2_147_483;

/** Renders a rejected value for an error message, short and unambiguous (strings keep quotes). */
export function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

type Check<K extends keyof MongooseServerConfig> = (value: unknown, key: string) => MongooseServerConfig[K];

function bool(value: unknown, key: string): boolean {
  if (typeof value !== 'boolean') throw new ConfigError(key, `must be true or false, got ${show(value)}`);
  return value;
}

function str(value: unknown, key: string): string {
  if (typeof value !== 'string') throw new ConfigError(key, `must be a string, got ${show(value)}`);
  return value;
}

function int(min: number, max: number, what: string): (value: unknown, key: string) => number {
  return (value, key) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new ConfigError(key, `must be ${what}, got ${show(value)}`);
    }
    return value;
  };
}

function seconds(value: unknown, key: string): number {
  // Mongoose's schema type is `d` (double): fractional seconds are allowed.
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_TIMEOUT_SECONDS) {
    throw new ConfigError(
      key,
      `must be a number of seconds greater than 0 and at most ${MAX_TIMEOUT_SECONDS} (fractions allowed), got ${show(value)}`,
    );
  }
  return value;
}

function maxQos(value: unknown, key: string): 0 | 1 | 2 {
  if (typeof value !== 'number' || !Number.isInteger(value) || value > 2) {
    throw new ConfigError(key, `must be an integer 0, 1 or 2 (or negative for no limit), got ${show(value)}`);
  }
  // Mongoose reads any negative max_qos as "no limit"; MQTT's highest QoS is the same thing.
  return value < 0 ? 2 : (value as 0 | 1 | 2);
}

const uint31 = 0x7fffffff;

/** The check for every key of a section; the key set doubles as the list of known keys. */
export const FIELDS: { readonly [K in keyof MongooseServerConfig]: Check<K> } = {
  enable: bool,
  server: str,
  client_id: str,
  user: str,
  pass: str,
  reconnect_timeout_min: seconds,
  reconnect_timeout_max: seconds,
  ssl_cert: str,
  ssl_key: str,
  ssl_ca_cert: str,
  ssl_cipher_suites: str,
  ssl_psk_identity: str,
  ssl_psk_key: str,
  ssl_server_name: str,
  clean_session: bool,
  keep_alive: int(0, 0xffff, 'an integer from 0 to 65535 seconds'),
  will_topic: str,
  will_message: str,
  will_retain: bool,
  max_qos: maxQos,
  recv_mbuf_limit: int(0, uint31, 'an integer number of bytes from 0 (no limit) to 2147483647'),
  require_time: bool,
  cloud_events: bool,
  max_queue_length: int(0, uint31, 'an integer from 0 (no queue) to 2147483647'),
  ws_enable: bool,
  ws_path: str,
  debug_use_log_level: bool,
};

/** The known keys, in schema order. */
export const KNOWN_KEYS = Object.keys(FIELDS) as (keyof MongooseServerConfig)[];

/** Levenshtein distance, two rows at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** The message for an unknown key: the nearest known key if it is close, else the whole list. */
export function unknownKeyMessage(key: string): string {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const known of KNOWN_KEYS) {
    const distance = editDistance(key, known);
    if (distance < bestDistance) {
      best = known;
      bestDistance = distance;
    }
  }
  // A third of the key's length catches typos and swapped words without suggesting nonsense.
  if (best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 3))) {
    return `unknown key (did you mean ${best}?)`;
  }
  return `unknown key (known keys: ${KNOWN_KEYS.join(', ')})`;
}

/** A parsed `server` value; `port` is undefined when the value has none. */
export interface ParsedServer {
  readonly host: string;
  readonly port: number | undefined;
}

/**
 * Parses `host[:port]`, where host may be a bracketed IPv6 address (`[::1]:1883`). Brackets are
 * removed from the returned host.
 *
 * @throws {@link ConfigError} under `key` when the value is not of that form.
 */
export function parseServer(server: string, key: string): ParsedServer {
  const form = 'must be host[:port] or [ipv6][:port]';
  if (server === '') throw new ConfigError(key, 'must not be empty: expected host[:port] or [ipv6][:port]');
  if (server.includes('://')) throw new ConfigError(key, `${form}, without a scheme, got ${show(server)}`);
  let host: string;
  let rest: string;
  if (server.startsWith('[')) {
    const close = server.indexOf(']');
    if (close === -1) throw new ConfigError(key, `${form}: missing ] in ${show(server)}`);
    host = server.slice(1, close);
    rest = server.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) throw new ConfigError(key, `${form}, got ${show(server)}`);
  } else {
    const colon = server.indexOf(':');
    if (colon !== server.lastIndexOf(':')) {
      throw new ConfigError(
        key,
        `${form}: an IPv6 address needs brackets, as in [::1]:1883, got ${show(server)}`,
      );
    }
    host = colon === -1 ? server : server.slice(0, colon);
    rest = colon === -1 ? '' : server.slice(colon);
  }
  if (host === '' || /[\s/[\]@]/.test(host)) throw new ConfigError(key, `${form}, got ${show(server)}`);
  if (rest === '') return { host, port: undefined };
  const digits = rest.slice(1);
  const port = /^\d{1,5}$/.test(digits) ? Number(digits) : 0;
  if (port < 1 || port > 0xffff) {
    throw new ConfigError(
      key,
      `port must be an integer from 1 to 65535, got ${show(digits)} in ${show(server)}`,
    );
  }
  return { host, port };
}
