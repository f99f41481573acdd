/**
 * The defaults of the session's options and their checks: {@link SessionOptions} as a session
 * runs with them, the Mongoose OS set, and the resolution of what a caller gave.
 */
import { ConfigError } from '../errors.js';
import { MAX_PAYLOAD_BYTES } from './encode.js';
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

function checkInt(key: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(key, `must be an integer from ${min} to ${max}, got ${value}`);
  }
}

/**
 * Applies defaults and checks ranges.
 *
 * @param options - The caller's options.
 * @returns Complete options.
 * @throws {@link ConfigError} naming the first invalid option.
 */
export function resolveSessionOptions(options: SessionOptions = {}): ResolvedSessionOptions {
  // Clients with the same options share one frozen object: a fleet holds one, not one each.
  if (options === MONGOOSE_SESSION_OPTIONS) {
    resolvedMongoose ??= resolveOnce(options);
    return resolvedMongoose;
  }
  for (const _ in options) return resolveOnce(options);
  return DEFAULT_SESSION_OPTIONS;
}

let resolvedMongoose: ResolvedSessionOptions | undefined;

function resolveOnce(options: SessionOptions): ResolvedSessionOptions {
  // A window given without a QoS 2 window is the window of both, as before there were two (R160).
  const maxInflightQos2 =
    options.maxInflightQos2 ?? options.maxInflight ?? DEFAULT_SESSION_OPTIONS.maxInflightQos2;
  const o: ResolvedSessionOptions = { ...DEFAULT_SESSION_OPTIONS, ...options, maxInflightQos2 };
  // The queue can never hold more than the 65535 packet ids there are.
  checkInt('maxQueueLength', o.maxQueueLength, 0, 0xffff);
  checkInt('maxQueueBytes', o.maxQueueBytes, 0, Number.MAX_SAFE_INTEGER);
  checkInt('maxInflight', o.maxInflight, 1, 0xffff);
  checkInt('maxInflightQos2', o.maxInflightQos2, 1, 0xffff);
  checkInt('maxFiltersPerSubscribe', o.maxFiltersPerSubscribe, 1, 0xffff);
  checkInt('maxQos', o.maxQos, 0, 2);
  checkInt('maxPayloadBytes', o.maxPayloadBytes, 0, MAX_PAYLOAD_BYTES);
  checkInt('maxBufferedBytes', o.maxBufferedBytes, 0, Number.MAX_SAFE_INTEGER);
  checkInt('qos2Memory', o.qos2Memory, 0, 0xffff);
  if (o.handleMessage !== undefined && typeof o.handleMessage !== 'function') {
    throw new ConfigError('handleMessage', 'must be a function');
  }
  if (!['drop-oldest', 'drop-newest', 'reject'].includes(o.overflow)) {
    throw new ConfigError(
      'overflow',
      `must be 'drop-oldest', 'drop-newest' or 'reject', got ${String(o.overflow)}`,
    );
  }
  if (o.onCleanSession !== 'resend' && o.onCleanSession !== 'fail') {
    throw new ConfigError('onCleanSession', `must be 'resend' or 'fail', got ${String(o.onCleanSession)}`);
  }
  return o;
}
