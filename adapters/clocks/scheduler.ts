/**
 * A clock on an RxJS scheduler's timeline.
 *
 * @module
 */
import type { SchedulerLike, Subscription } from 'rxjs';
import type { RuntimeClock } from '../../runtime/ports.js';

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
