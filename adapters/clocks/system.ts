/**
 * The real clock of Node and browsers.
 *
 * @module
 */
import type { RuntimeClock } from '../../runtime/ports.js';

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
  wallNow: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  ref: (handle) => (handle as Holder | null)?.ref?.(),
  unref: (handle) => (handle as Holder | null)?.unref?.(),
};
