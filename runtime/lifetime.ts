/**
 * Process lifetime of a connection: whether its transports and timers keep the process alive
 * (spec R50, R52), how many of its transports are still open, `whenClosed`, and the grace period
 * a closing transport gets to flush. Internal: not in the index.
 *
 * @module
 */

import type { LifecycleDriver } from './drivers.js';
import { TransportFlow } from './flow.js';
import type { RuntimeClock, Transport } from './ports.js';

/**
 * The open transports of a connection and what holds the process. A base class of the
 * connection, like {@link TransportFlow}, so an idle client pays for one object.
 */
export abstract class TransportLifetime extends TransportFlow {
  /** Whether this connection's transports and timers keep the process alive (spec R50, R52). */
  held = true;
  /** Transports opened and not yet closed, the current one included. */
  #open = 0;
  /** Called once every transport is closed; made on first use. */
  #closeWaiters: (() => void)[] | undefined;

  /** The clock the grace timer runs on. */
  abstract readonly clock: RuntimeClock;
  /** Its `closeGraceMs`: how long a closing transport may flush before it is destroyed (ms, default 1000). */
  abstract readonly config: { readonly closeGraceMs?: number | undefined };
  /** The statechart, told when the current transport closed. */
  abstract readonly driver: Pick<LifecycleDriver, 'send'>;

  /** Lets the current and later transports keep the process alive, or not (spec R50, R52). */
  hold(held: boolean): void {
    this.held = held;
    if (held) this.transport?.ref?.();
    else this.transport?.unref?.();
  }

  /** Resolves once every transport opened so far is closed. */
  whenClosed(): Promise<void> {
    if (this.#open === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waitClosed(resolve));
  }

  #waitClosed(waiter: () => void): void {
    this.#closeWaiters ??= [];
    this.#closeWaiters.push(waiter);
  }

  /**
   * Makes `open()`'s transport the current one. It counts as open before the factory runs: a
   * factory may close it at once.
   */
  protected adopt(open: () => Transport): void {
    this.#open += 1;
    const transport = open();
    if (!this.held) transport.unref?.();
    this.transport = transport;
  }

  /**
   * Ends a transport that is no longer current, destroying it if it has not closed within the
   * grace period. The grace timer neither outlives it nor holds an unheld process.
   */
  protected endTransport(transport: Transport): void {
    transport.end();
    // Closed at once: no grace timer to clear later, and none to hold the process.
    if (this.#open === 0) return;
    const handle = this.clock.setTimeout(() => transport.destroy(), this.config.closeGraceMs ?? 1000);
    if (!this.held) this.clock.unref?.(handle);
    // The grace timer must not outlive a transport that closed in time.
    this.#waitClosed(() => this.clock.clearTimeout(handle));
  }

  /**
   * A transport closed (the wire calls this once per transport); `current` says whether it was
   * the current one, which the statechart is told about before any `whenClosed` waiter runs.
   */
  released(current: boolean): void {
    this.#open -= 1;
    if (current) this.driver.send({ type: 'transport.closed' });
    const waiters = this.#closeWaiters;
    if (this.#open > 0 || waiters === undefined) return;
    this.#closeWaiters = undefined;
    for (const resolve of waiters) resolve();
  }
}
