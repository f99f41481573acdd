/**
 * Looking at promises in runtime tests without awaiting them in order: the outcome so far, and a
 * turn of the event loop for the callbacks that settle them (not a sleep: nothing waits on time).
 */
import type { MqttError } from '../../errors.js';

/** Resolves after the pending promise callbacks and I/O callbacks have run (one `setImmediate`). */
export const flush = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** What a promise has settled to so far: `'pending'`, `'resolved'`, or the error it rejected with. */
export interface Outcome {
  value: 'pending' | 'resolved' | MqttError;
}

/** Follows `promise`: the returned object holds its outcome, readable at any time. */
export function outcome(promise: Promise<unknown>): Outcome {
  const seen: Outcome = { value: 'pending' };
  promise.then(
    () => {
      seen.value = 'resolved';
    },
    (error: MqttError) => {
      seen.value = error;
    },
  );
  return seen;
}
