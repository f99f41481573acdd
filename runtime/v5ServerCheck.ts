/**
 * What only an MQTT 5 server's config can say, checked when a client is constructed (spec R362):
 * the keys of its will's `properties` (R338) and the range of its Session Expiry Interval (R319).
 * A 3.1.1 server may not set either (R340, checked by `normaliseOptions`), so the MQTT 5 profile
 * brings these checks and the default browser client, which has no profile, carries none of them.
 * Internal: not in the index.
 *
 * @module
 */
import { ConfigError } from '../errors.js';
import type { WillProperties } from '../protocol/v5Shapes.js';
import { checkKeys, type KeyTable } from './optionKeys.js';
import type { ServerConfig } from './servers.js';

/** The keys of a will's MQTT 5 `properties`. */
export const WILL_PROPERTY_KEYS = {
  willDelayInterval: true,
  payloadFormatIndicator: true,
  messageExpiryInterval: true,
  contentType: true,
  responseTopic: true,
  correlationData: true,
  userProperties: true,
} as const satisfies KeyTable<WillProperties>;

/**
 * Checks an MQTT 5 server's own settings (the profile's `checkServer`).
 * @param server - The server's config, as given.
 * @param key - Its path, `servers[i]`.
 * @throws {@link ConfigError} under `<key>.will.properties.<name>` for an unknown will property,
 *   or `<key>.sessionExpirySec` for a value outside 0..4294967295.
 */
export function checkV5Server(server: ServerConfig, key: string): void {
  const will = server.will;
  if (typeof will === 'object' && will !== null)
    checkKeys(will.properties, `${key}.will.properties`, WILL_PROPERTY_KEYS);
  const expiry = server.sessionExpirySec;
  if (expiry !== undefined && !(Number.isInteger(expiry) && expiry >= 0 && expiry <= 0xffff_ffff))
    throw new ConfigError(
      `${key}.sessionExpirySec`,
      `must be an integer 0..4294967295, got ${String(expiry)}`,
    );
}
