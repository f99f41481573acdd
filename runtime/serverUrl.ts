/**
 * Server URLs (`mqtt://`, `mqtts://`, `ws://`, `wss://`) and host-name checks (spec R70-R71).
 * Pure: no Node built-ins, so the browser build and the command-line tool share it.
 *
 * @module
 */
import { ConfigError } from '../errors.js';
import { checkInt, got } from '../protocol/optionChecks.js';

/** How a server is reached: plain TCP, TLS, WebSocket, WebSocket over TLS. */
export type ServerScheme = 'mqtt' | 'mqtts' | 'ws' | 'wss';

/** The port each scheme uses when none is given. */
export const DEFAULT_PORTS: Readonly<Record<ServerScheme, number>> = {
  mqtt: 1883,
  mqtts: 8883,
  ws: 80,
  wss: 443,
};

/** The WebSocket path used when a `ws://` / `wss://` URL has none (Mongoose `ws_path`). */
export const DEFAULT_WS_PATH = '/mqtt';

/** Scheme spellings other clients accept (Paho `tcp://` / `ssl://`, MQTT.js `tls://`). */
const ALIASES: Readonly<Record<string, ServerScheme>> = {
  mqtt: 'mqtt',
  tcp: 'mqtt',
  mqtts: 'mqtts',
  ssl: 'mqtts',
  tls: 'mqtts',
  ws: 'ws',
  wss: 'wss',
};

/** A parsed server URL. */
export interface ServerUrl {
  /** The canonical scheme (`tcp` becomes `mqtt`, `ssl` and `tls` become `mqtts`). */
  readonly scheme: ServerScheme;
  /** Host name or address (IPv6 without brackets). */
  readonly host: string;
  /** The port, or the scheme's default ({@link DEFAULT_PORTS}). */
  readonly port: number;
  /** WebSocket path with query, for `ws` / `wss` only (default {@link DEFAULT_WS_PATH}). */
  readonly path?: string;
  /** User name from the URL's user info (percent-decoded), if any. */
  readonly username?: string;
  /** Password from the URL's user info (percent-decoded), if any. */
  readonly password?: string;
  /** The MQTT version an `mqtt://` / `mqtts://` URL asks for with `?protocolVersion=4|5` (spec R235). */
  readonly protocolVersion?: 4 | 5;
}

/**
 * The query of an `mqtt://` / `mqtts://` URL: only `protocolVersion=4|5` (spec R235). A WebSocket
 * URL's query belongs to the HTTP request, so it says nothing to the client.
 */
function versionOf(query: string, key: string): 4 | 5 {
  const match = /^\?protocolVersion=([45])$/.exec(query);
  if (match === null) {
    throw new ConfigError(key, `the only query an mqtt:// URL takes is ?protocolVersion=4 or 5${got(query)}`);
  }
  return Number(match[1]) as 4 | 5;
}

/** Whether a scheme runs over TLS. */
export const isTlsScheme = (scheme: ServerScheme): boolean => scheme === 'mqtts' || scheme === 'wss';
/** Whether a scheme is MQTT over WebSocket. */
export const isWebSocketScheme = (scheme: ServerScheme): boolean => scheme === 'ws' || scheme === 'wss';

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
// Letters of any script (Node and browsers convert them to punycode), digits, `_` (common in
// container and intranet names) and inner hyphens; at most 63 characters per label.
const LABEL = /^[\p{L}\p{N}_](?:[\p{L}\p{N}_-]{0,61}[\p{L}\p{N}_])?$/u;

/** Whether `host` is an IPv6 address (no brackets; an optional `%zone`). */
function isIpv6(host: string): boolean {
  const [address = '', zone] = host.split('%', 2);
  if (zone !== undefined && !/^[\w.-]+$/.test(zone)) return false;
  // Each part is checked below as hex or, the last, IPv4: no character check of the whole needed.
  const groups = address.split('::');
  if (groups.length > 2 || !address.includes(':')) return false;
  const parts = groups.flatMap((g) => (g === '' ? [] : g.split(':')));
  const last = parts.at(-1) ?? '';
  const v4 = IPV4.test(last);
  const hex = v4 ? parts.slice(0, -1) : parts;
  if (!hex.every((p) => /^[\da-f]{1,4}$/i.test(p))) return false;
  const words = hex.length + (v4 ? 2 : 0);
  return groups.length === 2 ? words < 8 : words === 8;
}

/**
 * Checks that `host` is a host name, an IPv4 address or an IPv6 address (brackets allowed and
 * removed), so a typo fails at once instead of retrying forever against a name that cannot resolve.
 *
 * @param host - The value to check.
 * @param key - The config key to name in the error (for example `servers[0].host`).
 * @returns The host, without IPv6 brackets.
 * @throws {@link ConfigError} under `key`; a URL (`mqtt://x`) gets a hint to pass it as `url`.
 */
export function checkHost(host: unknown, key: string): string {
  if (typeof host !== 'string' || host === '') throw new ConfigError(key, 'must be a non-empty string');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(host)) {
    const urlKey = key.endsWith('.host') ? `${key.slice(0, -5)}.url` : 'url';
    throw new ConfigError(key, `${JSON.stringify(host)} is a URL, not a host name: pass it as ${urlKey}`);
  }
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (IPV4.test(bare) || isIpv6(bare)) return bare;
  const name = bare.replace(/\.$/, '');
  // An all-numeric name that is not a valid IPv4 address (`300.1.1.1`, `1.2.3`) is a typo.
  if (name.length > 253 || /^[\d.]+$/.test(name) || !name.split('.').every((l) => LABEL.test(l))) {
    throw new ConfigError(key, `${JSON.stringify(host)} is not a host name or IP address`);
  }
  return bare;
}

/** Checks a port number (1..65535). */
export function checkPort(port: unknown, key: string): number {
  return checkInt(key, port, 1, 65535);
}

function decode(text: string, key: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch (error) {
    throw new ConfigError(key, `bad percent-encoding in the ${what}`, { cause: error });
  }
}

/**
 * Parses a server URL: `mqtt://`, `mqtts://`, `ws://`, `wss://` (also `tcp://`, `ssl://`, `tls://`),
 * with optional `user:password@`, port (default by scheme: 1883 / 8883 / 80 / 443) and, for
 * WebSocket, a path (default `/mqtt`) with an optional query.
 *
 * @param url - The URL, for example `mqtts://user:secret@broker.example.com`.
 * @param key - The config key to name in errors. @default 'url'
 * @throws {@link ConfigError} under `key` for an unknown scheme, a bad host or port, or a path on an
 *   `mqtt://` / `mqtts://` URL. The message never repeats the password.
 */
export function parseServerUrl(url: string, key = 'url'): ServerUrl {
  if (typeof url !== 'string') throw new ConfigError(key, `must be a string, got ${typeof url}`);
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^#]*)(#.*)?$/i.exec(url.trim());
  if (match === null) {
    throw new ConfigError(key, 'must look like mqtt[s]://host[:port] or ws[s]://host[:port]/path');
  }
  // Groups 1 to 3 always take part in a match.
  const [, rawScheme, authority, rest, fragment] = match as unknown as readonly [
    string,
    string,
    string,
    string,
    string?,
  ];
  // Own keys only, so `constructor://` is an unknown scheme, not Object's constructor.
  const lower = rawScheme.toLowerCase();
  const scheme = Object.hasOwn(ALIASES, lower) ? ALIASES[lower] : undefined;
  if (scheme === undefined) {
    throw new ConfigError(key, `unknown scheme ${JSON.stringify(rawScheme)}: use mqtt, mqtts, ws or wss`);
  }
  if (fragment !== undefined) throw new ConfigError(key, 'must not have a #fragment');
  const at = authority.lastIndexOf('@');
  const userInfo = at === -1 ? undefined : authority.slice(0, at);
  const hostPort = authority.slice(at + 1);
  // Split host and port: a bracketed IPv6 address may contain colons.
  let hostText = hostPort;
  let portText: string | undefined;
  const close = hostPort.startsWith('[') ? hostPort.indexOf(']') : -1;
  const colon = hostPort.indexOf(':', close + 1);
  if (colon !== -1) {
    hostText = hostPort.slice(0, colon);
    portText = hostPort.slice(colon + 1);
  }
  if (hostText === '') throw new ConfigError(key, 'has no host');
  // An IPv6 zone is percent-encoded in a URL (RFC 6874: `[fe80::1%25eth0]`).
  const host = checkHost(hostText.startsWith('[') ? hostText.replace('%25', '%') : hostText, key);
  if (portText !== undefined && !/^\d{1,5}$/.test(portText)) {
    throw new ConfigError(key, `port must be an integer from 1 to 65535${got(portText)}`);
  }
  const parsed: { -readonly [K in keyof ServerUrl]: ServerUrl[K] } = {
    scheme,
    host,
    port: portText === undefined ? DEFAULT_PORTS[scheme] : checkInt(key, Number(portText), 1, 65535),
  };
  const query = rest.indexOf('?');
  if (isWebSocketScheme(scheme)) {
    parsed.path = rest === '' ? DEFAULT_WS_PATH : rest.startsWith('?') ? `${DEFAULT_WS_PATH}${rest}` : rest;
  } else if (query !== -1 && (query === 0 || rest.slice(0, query) === '/')) {
    parsed.protocolVersion = versionOf(rest.slice(query), key);
  } else if (rest !== '' && rest !== '/') {
    throw new ConfigError(
      key,
      `${scheme}:// takes no path${got(rest)}; for MQTT over WebSocket use ws:// or wss://`,
    );
  }
  if (userInfo !== undefined) {
    const sep = userInfo.indexOf(':');
    const username = decode(sep === -1 ? userInfo : userInfo.slice(0, sep), key, 'user name');
    if (username !== '') parsed.username = username;
    if (sep !== -1) parsed.password = decode(userInfo.slice(sep + 1), key, 'password');
  }
  return parsed;
}

/**
 * Builds the `ws://` / `wss://` URL a WebSocket transport opens (IPv6 hosts get brackets back).
 * No user info: credentials go in CONNECT, never in the handshake.
 */
export function webSocketUrl(scheme: 'ws' | 'wss', host: string, port: number, path: string): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return `${scheme}://${h}:${port}${path.startsWith('/') ? path : `/${path}`}`;
}
