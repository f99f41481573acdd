/**
 * The promise side of `connect()` (spec R80): callers waiting for the first session, settled from
 * the lifecycle events. Internal: not in the index.
 *
 * @module
 */

import {
  ClientClosedError,
  type ErrorData,
  InvalidArgumentError,
  type MqttError,
  TimeoutError,
} from '../errors.js';
import type { LifecycleEvent } from '../machines/events.js';
import type { RuntimeClock } from './ports.js';

/** Options of `connect()`: when to treat the failure to connect as final. */
export interface ConnectCallOptions {
  /**
   * Give up when no session is up this long after the call: the client stops (as `disconnect()`
   * does) and the promise rejects with `TimeoutError` code `CONNECT_TIMEOUT`, whose `cause` is the
   * last attempt's error.
   * @default no limit
   */
  readonly timeoutMs?: number;
  /**
   * Give up after this many failed attempts: the client stops and the promise rejects with the
   * last attempt's error (`TransportError`, `ConnackError`, `TimeoutError` ...).
   * @default no limit
   */
  readonly attempts?: number;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: MqttError) => void;
  readonly attempts: number;
  failures: number;
  timer: unknown;
}

/** What the waiters need from their client. */
export interface ConnectWaitersHost {
  readonly clock: RuntimeClock;
  /** Stops the client (the same as the user's `disconnect()`). */
  giveUp(): void;
  /**
   * The typed error of an event's error data: `errorFromData`, or with no MQTT 5 profile
   * `errorFromData311`, which carries none of the MQTT 5 error classes (spec R355).
   */
  readonly revive: (data: ErrorData) => MqttError;
}

const ignore = (): void => {};

function checkLimit(name: string, value: number | undefined): number {
  if (value === undefined) return Infinity;
  // `!(value > 0)` is true for NaN too.
  if (typeof value !== 'number' || !(value > 0))
    throw new InvalidArgumentError(`connect(): ${name} must be a number > 0, got ${String(value)}`);
  return value;
}

/**
 * Pending `connect()` calls. Each resolves on the first `connected` after it, and rejects when
 * the client stops before that (R80): with the error that stopped it, or `ClientClosedError`.
 * The promise handed out already has a rejection handler, so ignoring it (fire and forget) never
 * makes an unhandled rejection; awaiting it still sees the rejection.
 */
export class ConnectWaiters {
  readonly #host: ConnectWaitersHost;
  readonly #waiters: Waiter[] = [];
  /** The promise shared by calls without options while it is pending. */
  #plain: Promise<void> | undefined;
  /** Why the client is giving up, set just before it stops itself. */
  #givingUp: MqttError | undefined;
  #lastError: ErrorData | undefined;

  constructor(host: ConnectWaitersHost) {
    this.#host = host;
  }

  /** Whether any call is still waiting. */
  get pending(): boolean {
    return this.#waiters.length > 0;
  }

  /** A promise for the first session after now; see {@link ConnectCallOptions}. */
  wait(options: ConnectCallOptions | undefined): Promise<void> {
    const timeoutMs = checkLimit('timeoutMs', options?.timeoutMs);
    const attempts = checkLimit('attempts', options?.attempts);
    const plain = timeoutMs === Infinity && attempts === Infinity;
    if (plain && this.#plain !== undefined) return this.#plain;
    const promise = new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, attempts, failures: 0, timer: undefined };
      if (timeoutMs !== Infinity) {
        waiter.timer = this.#host.clock.setTimeout(() => {
          waiter.timer = undefined;
          const cause = this.#lastError === undefined ? undefined : this.#host.revive(this.#lastError);
          this.#giveUp(
            new TimeoutError('CONNECT_TIMEOUT', `no session within ${timeoutMs} ms of connect()`, { cause }),
          );
        }, timeoutMs);
      }
      this.#waiters.push(waiter);
    });
    promise.catch(ignore);
    if (plain) this.#plain = promise;
    return promise;
  }

  /** Settles waiters from one lifecycle event. */
  onEvent(event: LifecycleEvent): void {
    switch (event.type) {
      case 'connected':
        this.#settle((w) => w.resolve());
        return;
      case 'connect.error': {
        this.#lastError = event.error;
        for (const w of this.#waiters) w.failures += 1;
        const spent = this.#waiters.find((w) => w.failures >= w.attempts);
        if (spent !== undefined) this.#giveUp(this.#host.revive(event.error));
        return;
      }
      case 'stopped': {
        // A limit that ran out names itself; otherwise the refusal that stopped the client, or
        // the user's disconnect().
        const error =
          this.#givingUp ??
          (event.error !== null
            ? this.#host.revive(event.error)
            : new ClientClosedError('disconnect() was called before a session was up'));
        this.#settle((w) => w.reject(error));
        return;
      }
      default:
        return;
    }
  }

  // Every waiter learns the reason of the one whose limit ran out: the client stops for all.
  #giveUp(reason: MqttError): void {
    if (this.#givingUp !== undefined) return;
    this.#givingUp = reason;
    this.#host.giveUp();
  }

  #settle(settle: (waiter: Waiter) => void): void {
    const waiters = this.#waiters.splice(0);
    this.#plain = undefined;
    this.#givingUp = undefined;
    this.#lastError = undefined;
    for (const w of waiters) {
      if (w.timer !== undefined) this.#host.clock.clearTimeout(w.timer);
      settle(w);
    }
  }
}
