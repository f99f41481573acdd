/**
 * The ConfigError a construction throws, for tests of option checking (spec R338-R342, R361, R367).
 *
 * @module
 */
import { expect } from 'vitest';
import { ConfigError } from '../../errors.js';

/** The ConfigError `build` throws (fails the test if it throws nothing or something else). */
export function configError(build: () => unknown): ConfigError {
  try {
    build();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('no ConfigError');
}
