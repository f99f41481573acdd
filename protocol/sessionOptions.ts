/**
 * The defaults of the session's options and their checks: {@link SessionOptions} as a session
 * runs with them, the Mongoose OS set, and the resolution of what a caller gave.
 */
import { ConfigError } from '../errors.js';
import { MAX_PAYLOAD_BYTES } from './encode.js';
import { checkInt, checkOneOf } from './optionChecks.js';
import type { ResolvedSessionOptions, SessionOptions } from './sessionTypes.js';

/** The defaults of {@link SessionOptions}. */
export const DEFAULT_SESSION_OPTIONS: ResolvedSessionOptions = Object.freeze({
  maxQueueLength: 1000,
  maxQueueBytes: 16 * 1024 * 1024,
  overflow: 'drop-oldest',
  maxInflight: 1000,
  maxInflightQos2: 20,
  maxFiltersPerSubscribe: 1000,
  maxQos: 2,
  onCleanSession: 'resend',
  maxPayloadBytes: MAX_PAYLOAD_BYTES,
  maxBufferedBytes: 16 * 1024 * 1024,
  qos2Memory: 128,
});

/** Session options that reproduce Mongoose OS: a queue of 5, drop-oldest, stop-and-wait replay. */
export const MONGOOSE_SESSION_OPTIONS: SessionOptions = Object.freeze({
  maxQueueLength: 5,
  overflow: 'drop-oldest',
  maxInflight: 1,
  onCleanSession: 'resend',
});

/** The integer options and their ranges, in the order they are checked. */
const RANGES: readonly (readonly [keyof ResolvedSessionOptions, number, number])[] = [
  // The queue can never hold more than the 65535 packet ids there are.
  ['maxQueueLength', 0, 0xffff],
  ['maxQueueBytes', 0, Number.MAX_SAFE_INTEGER],
  ['maxInflight', 1, 0xffff],
  ['maxInflightQos2', 1, 0xffff],
  ['maxFiltersPerSubscribe', 1, 0xffff],
  ['maxQos', 0, 2],
  ['maxPayloadBytes', 0, MAX_PAYLOAD_BYTES],
  ['maxBufferedBytes', 0, Number.MAX_SAFE_INTEGER],
  ['qos2Memory', 0, 0xffff],
];

/**
 * Applies defaults and checks ranges.
 *
 * @param options - The caller's options.
 * @returns Complete options.
 * @throws {@link ConfigError} naming the first invalid option.
 */
export function resolveSessionOptions(options?: SessionOptions): ResolvedSessionOptions {
  // Clients with the same options share one frozen object: a fleet holds one, not one each.
  if (options === MONGOOSE_SESSION_OPTIONS) {
    resolvedMongoose ??= resolveOnce(options);
    return resolvedMongoose;
  }
  // (`for in` over undefined runs no round.)
  for (const _ in options) return resolveOnce(options as SessionOptions);
  return DEFAULT_SESSION_OPTIONS;
}

let resolvedMongoose: ResolvedSessionOptions | undefined;

function resolveOnce(options: SessionOptions): ResolvedSessionOptions {
  // A window given without a QoS 2 window is the window of both, as before there were two (R160).
  const maxInflightQos2 =
    options.maxInflightQos2 ?? options.maxInflight ?? DEFAULT_SESSION_OPTIONS.maxInflightQos2;
  const o: ResolvedSessionOptions = { ...DEFAULT_SESSION_OPTIONS, ...options, maxInflightQos2 };
  for (const [key, min, max] of RANGES) checkInt(key, o[key], min, max);
  if (o.handleMessage !== undefined && typeof o.handleMessage !== 'function') {
    throw new ConfigError('handleMessage', 'must be a function');
  }
  checkOneOf('overflow', o.overflow, ['drop-oldest', 'drop-newest', 'reject']);
  checkOneOf('onCleanSession', o.onCleanSession, ['resend', 'fail']);
  return o;
}
