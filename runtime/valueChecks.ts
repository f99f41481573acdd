/**
 * The checks of single option values that `normaliseOptions` makes (each a `ConfigError` naming
 * its key): numbers and their ranges, the keep alive, the protocol version, and the MQTT 5
 * options given where no MQTT 5 is spoken (spec R340). Ranges and choices are said by the
 * session options' `checkInt` and `checkOneOf`, so that every such message reads alike.
 */
import { ConfigError } from '../errors.js';
import { checkInt, got } from '../protocol/optionChecks.js';
import type { WireProfile } from './profile.js';
import type { NormalisedServer, ProtocolVersion } from './servers.js';

/** A number option: finite and >= 0 (> 0 unless `allowZero`), `fallback` when unset. */
export function positive(
  key: string,
  value: number | undefined,
  fallback: number,
  allowZero: boolean,
): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
    throw new ConfigError(key, `must be a finite number ${allowZero ? '>= 0' : '> 0'}${got(value)}`);
  }
  return v;
}

/** Keep alive in seconds from `value` (0..65535); the mongoose profile turns 0 into 60. */
export function keepAliveOf(
  key: string,
  value: number | undefined,
  fallback: number,
  mongoose: boolean,
): number {
  const raw = checkInt(key, value ?? fallback, 0, 65535);
  // Mongoose cannot turn keep alive off: 0 becomes 60.
  return mongoose && raw === 0 ? 60 : raw;
}

/** A protocol version option: 4 or 5, and 4 only with the mongoose profile (spec R235). */
export function versionOf(
  key: string,
  value: unknown,
  fallback: ProtocolVersion,
  mongoose: boolean,
): ProtocolVersion {
  const v = value ?? fallback;
  if (v !== 4 && v !== 5) throw new ConfigError(key, `must be 4 (MQTT 3.1.1) or 5 (MQTT 5)${got(v)}`);
  if (v === 5 && mongoose)
    throw new ConfigError(key, 'the mongoose profile speaks MQTT 3.1.1 only (4), got 5');
  return v;
}

const NEEDS_V5 = 'is MQTT 5 only: it needs protocolVersion 5';

/**
 * MQTT 5 options where no MQTT 5 is spoken (spec R340): a server's `sessionExpirySec` and will
 * `properties` on a server that speaks 3.1.1, and the client's `auth` when no server speaks 5.
 */
export function checkVersionedOptions(
  options: { readonly auth?: unknown; readonly mqtt5?: unknown },
  servers: readonly NormalisedServer[],
): void {
  servers.forEach((s, i) => {
    const key = `servers[${i}]`;
    // What only MQTT 5 can say is checked by its profile (R362), there whenever a server speaks 5.
    if (s.protocolVersion === 5) {
      (options.mqtt5 as WireProfile | undefined)?.checkServer?.(s, key);
      return;
    }
    if (s.sessionExpirySec !== undefined)
      throw new ConfigError(`${key}.sessionExpirySec`, `${NEEDS_V5}, and this server speaks 3.1.1 (4)`);
    if (s.will?.properties !== undefined)
      throw new ConfigError(`${key}.will.properties`, `${NEEDS_V5}, and this server speaks 3.1.1 (4)`);
  });
  if (options.auth !== undefined && !servers.some((s) => s.protocolVersion === 5))
    throw new ConfigError('auth', `${NEEDS_V5}, and every server speaks 3.1.1 (4)`);
}
