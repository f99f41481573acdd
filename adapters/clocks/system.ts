/**
 * The real clock of Node and browsers.
 *
 * @module
 */
import type { RuntimeClock } from '../../runtime/ports.js';

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
