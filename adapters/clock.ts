/**
 * Clocks: the only way time enters mqtt-lifeline. The statechart's timers and the journal's
 * timestamps both come from one injected clock, so a simulated clock drives everything.
 */
import type { SchedulerLike, Subscription } from 'rxjs';

/** A clock: XState's `Clock` (setTimeout / clearTimeout) plus `now()` for journal timestamps. */
export interface RuntimeClock {
  /** Milliseconds on this clock's timeline (monotonic for the system clock). */
  now(): number;
  /** Calls `fn` after `ms` milliseconds of this clock's time; returns a handle for `clearTimeout`. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a pending `setTimeout`. */
  clearTimeout(handle: unknown): void;
  /**
   * Lets a pending timer keep the process alive again (Node's `timeout.ref()`). Clocks of
   * runtimes without a process to hold (browsers, simulated time) leave it out.
   */
  ref?(handle: unknown): void;
  /** Stops a pending timer from keeping the process alive (Node's `timeout.unref()`). */
  unref?(handle: unknown): void;
}

interface Holder {
  ref?(): unknown;
  unref?(): unknown;
}

/**
 * The real clock of Node and browsers: monotonic `performance.now()` and the global timers.
 * In Node a pending timer keeps the process alive, as any timer does (spec R50): a client
 * waiting to retry still owes its work. `unref` is how a client that should not hold the
 * process lets go (spec R52); in browsers timers have no such handle and both are no-ops.
 */
export const systemClock: RuntimeClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  ref: (handle) => (handle as Holder | null)?.ref?.(),
  unref: (handle) => (handle as Holder | null)?.unref?.(),
};

/**
 * A clock driven by an RxJS scheduler, so the statechart and RxJS streams share one virtual
 * timeline under `VirtualTimeScheduler` / `TestScheduler`.
 */
export function clockFromScheduler(scheduler: SchedulerLike): RuntimeClock {
  return {
    now: () => scheduler.now(),
    setTimeout: (fn, ms) => scheduler.schedule(() => fn(), ms),
    clearTimeout: (handle) => (handle as Subscription).unsubscribe(),
  };
}
