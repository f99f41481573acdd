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
}

/** The real clock of Node and browsers: monotonic `performance.now()` and the global timers. */
export const systemClock: RuntimeClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    // A pending retry must not keep a process alive that has nothing else to do.
    if (typeof handle === 'object' && handle !== null && 'unref' in handle) handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
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
