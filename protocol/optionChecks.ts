/**
 * The checks every option check uses to say a range or a choice (`checkInt`, `checkOneOf`, `got`),
 * so that every such message reads alike. The protocol layer's, so that the session's options and
 * the runtime's share them; it imports nothing but the errors, so a transport that checks a port
 * (through runtime/serverUrl.ts) does not pull the codec in.
 *
 * @module
 */
import { ConfigError } from '../errors.js';

/** Closes a message with the value got: a string quoted, so that '5' does not read as the number 5. */
export const got = (value: unknown): string =>
  `, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`;

/**
 * Checks an integer option (every config check of a range says it the same way).
 * @returns `value`, an integer from `min` to `max`.
 * @throws {@link ConfigError} under `key`: "must be an integer from `min` to `max`, got ...".
 */
export function checkInt(key: string, value: unknown, min: number, max: number): number {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max)
    throw new ConfigError(key, `must be an integer from ${min} to ${max}${got(value)}`);
  return value as number;
}

/**
 * Checks a choice among strings.
 * @returns `value`, one of `allowed`.
 * @throws {@link ConfigError} under `key`: "must be 'a', 'b' or 'c', got ...".
 */
export function checkOneOf<T extends string>(key: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    const quoted = allowed.map((a) => `'${a}'`);
    const last = quoted.pop();
    throw new ConfigError(key, `must be ${quoted.join(', ')} or ${last}${got(value)}`);
  }
  return value as T;
}
