/**
 * The keys each options object takes (spec R338-R342): one table per options type, next to its
 * interface where that imports nothing of this module's users (the client's tables are in
 * options.ts, lifecycleClient.ts, client.ts and embedded.ts), typed
 * `satisfies KeyTable<T>` so that the compiler fails when the interface gains an option the table
 * lacks (or the table names one the interface does not have): the lists cannot rot. A key outside its table is a
 * `ConfigError` naming its path, with a suggestion when one is close or belongs elsewhere.
 *
 * @module
 */
import { ConfigError } from '../errors.js';
import type { ConnectOptions, WillOptions } from '../protocol/connect.js';
import type { SessionOptions } from '../protocol/sessionTypes.js';
import type { ServerConfig } from './servers.js';

/**
 * What a key table holds for each of its keys: only the key's presence counts. 1 is one byte less
 * than `!0` (`true` minified) for every key in the bundle; `true` is as good.
 */
export type KeyMark = 1 | true;

/** Every string key of `T`, required, marked: what a key table must be, no more, no less. */
export type KeyTable<T> = { readonly [K in Extract<keyof T, string>]-?: KeyMark };

/** The CONNECT options a server carries. */
const CONNECT_OPTION_KEYS = {
  clientId: 1,
  clean: 1,
  keepAliveSec: 1,
  username: 1,
  password: 1,
  will: 1,
} as const satisfies KeyTable<ConnectOptions>;

/** The keys of one server of `servers`. */
export const SERVER_KEYS = {
  ...CONNECT_OPTION_KEYS,
  name: 1,
  url: 1,
  host: 1,
  port: 1,
  protocol: 1,
  path: 1,
  tls: 1,
  enabled: 1,
  minDelayMs: 1,
  maxDelayMs: 1,
  transport: 1,
  maxIncomingPacketBytes: 1,
  protocolVersion: 1,
  sessionExpirySec: 1,
} as const satisfies KeyTable<ServerConfig>;

/** The keys of a server's `will`. */
export const WILL_KEYS = {
  topic: 1,
  payload: 1,
  qos: 1,
  retain: 1,
  properties: 1,
} as const satisfies KeyTable<WillOptions>;

/** The keys of `session`. */
export const SESSION_KEYS = {
  maxQueueLength: 1,
  maxQueueBytes: 1,
  overflow: 1,
  maxInflight: 1,
  maxInflightQos2: 1,
  maxFiltersPerSubscribe: 1,
  maxQos: 1,
  onCleanSession: 1,
  maxPayloadBytes: 1,
  maxBufferedBytes: 1,
  store: 1,
  qos2Memory: 1,
  handleMessage: 1,
} as const satisfies KeyTable<SessionOptions>;

/** A key table: the keys an options object takes. */
export type Keys = Readonly<Record<string, KeyMark>>;

const has = (table: Keys, key: string): boolean => Object.hasOwn(table, key);

/** Keys with no close match that mean something known: what to use instead. */
const ELSEWHERE: Readonly<Record<string, string>> = {
  // MQTT.js's names.
  reconnectPeriod: 'use servers[i].minDelayMs and maxDelayMs',
  rejectUnauthorized: 'use servers[i].tls.dangerouslySkipVerification',
  // `LifecycleClient` has no session.
  session: 'session options are for MqttClient, not LifecycleClient',
};

/** Levenshtein distance of `a` and `b`, or 3 once it is certainly more than 2. */
function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = [...Array(b.length + 1).keys()];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(
        (previous[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = row;
  }
  return previous[b.length] as number;
}

/** A key lower-cased without its unit (`keepAliveSec` and `keepalive` are the same). */
const bare = (key: string): string => key.toLowerCase().replace(/(?:sec|ms|bytes)$/, '');

/** The known key closest to `key`: the same but for case and unit, else within edit distance 2. */
function closest(key: string, table: Keys): string | undefined {
  const lower = bare(key);
  let best: string | undefined;
  let bestDistance = 3;
  for (const known of Object.keys(table)) {
    if (bare(known) === lower) return known;
    const d = distance(key, known);
    if (d < bestDistance) {
      best = known;
      bestDistance = d;
    }
  }
  return best;
}

/** Another table a misplaced key may belong to, and how to name it (`` `session` ``, ...). */
export type Home = readonly [table: Keys, name: string];

/** Why `key` is not taken here, and what to use instead, if anything is close. */
function hintFor(key: string, table: Keys, homes: readonly Home[]): string {
  const home = homes.find(([other]) => has(other, key));
  if (home !== undefined) return `: \`${key}\` is an option of ${home[1]}, not here`;
  const near = closest(key, table);
  if (near !== undefined) return `: did you mean \`${near}\`?`;
  for (const [other, name] of homes) {
    const there = closest(key, other);
    if (there !== undefined) return `: did you mean \`${there}\` (an option of ${name})?`;
  }
  return Object.hasOwn(ELSEWHERE, key) ? `: ${ELSEWHERE[key]}` : '';
}

/**
 * Checks that `value`'s own enumerable string keys are all in `table` (spec R338, R339).
 * @param value - The options object (anything else is left to the caller's checks).
 * @param path - Its key path, as errors name it (`''` for the client's options themselves).
 * @param table - The keys it takes.
 * @param homes - Other tables, for a key that belongs there rather than here.
 * @throws {@link ConfigError} under the unknown key's path, saying which known key is close
 *   (the same but for case, or within edit distance 2) or where the key belongs.
 */
export function checkKeys(value: unknown, path: string, table: Keys, homes: readonly Home[] = []): void {
  if (typeof value !== 'object' || value === null) return;
  // Own enumerable string keys: no symbol, nothing inherited.
  for (const key of Object.keys(value)) {
    if (has(table, key)) continue;
    throw new ConfigError(
      path === '' ? key : `${path}.${key}`,
      `unknown option${hintFor(key, table, homes)}`,
    );
  }
}

const SERVERS: Home = [SERVER_KEYS, 'each server (`servers[i]`)'];
const SESSION: Home = [SESSION_KEYS, '`session`'];

/**
 * Checks the top-level keys of a client's options, and of its `session` when it takes one
 * (spec R338).
 * @param options - The options.
 * @param table - What they take: `CLIENT_OPTION_KEYS`, `LIFECYCLE_CONFIG_KEYS`, ...
 * @throws {@link ConfigError} for an unknown key.
 */
export function checkClientKeys(options: unknown, table: Keys): void {
  checkKeys(options, '', table, [SERVERS, SESSION]);
  if (has(table, 'session'))
    checkKeys((options as { session?: unknown }).session, 'session', SESSION_KEYS, [
      [table, 'the client'],
      SERVERS,
    ]);
}

/**
 * Checks the keys of server `key` and of its nested objects: `will` (spec R338; its
 * `properties` are the MQTT 5 profile's, R362); `tls` and its `psk` are the transport's `checkTls` (R361).
 * @param server - The server's config (anything but an object is left to `resolveServer`).
 * @param key - Its path, `servers[i]`.
 * @param client - The client's keys, for a key that belongs there.
 * @throws {@link ConfigError} for an unknown key.
 */
export function checkServerKeys(server: ServerConfig, key: string, client: Keys): void {
  checkKeys(server, key, SERVER_KEYS, [[client, 'the client'], SESSION]);
  // Its `properties` are MQTT 5's: the profile checks their keys (R362). (`?.`: a null server is
  // left to `resolveServer`, like anything else but an object.)
  checkKeys(server?.will, `${key}.will`, WILL_KEYS);
  // `tls` and its `psk` are checked by the transport that takes them (`checkTls`, R72, R361): a
  // browser's WebSocket takes none, so the browser bundle carries neither table.
}

/** Options whose constructor is called by another's, with the table the outer one takes. */
const outerTables = new WeakMap<object, Keys>();

/**
 * Says that `options` are checked against `table` by the constructor called next with them:
 * `MqttClient` and the embedded client build a `LifecycleClient` with options it alone would
 * refuse (`session`, `connect`).
 * @param options - The options about to be passed on.
 * @param table - What the outer constructor takes.
 */
export function passOn(options: object, table: Keys): void {
  outerTables.set(options, table);
}

/**
 * The table to check `options` against: the one {@link passOn} gave (once), else `fallback`.
 * @param options - The options a constructor got.
 * @param fallback - What that constructor itself takes.
 */
export function tableFor(options: unknown, fallback: Keys): Keys {
  // A WeakMap answers undefined for what cannot be a key (anything but an object).
  const table = outerTables.get(options as object);
  if (table === undefined) return fallback;
  outerTables.delete(options as object);
  return table;
}
