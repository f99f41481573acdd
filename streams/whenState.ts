import { asyncScheduler, filter, first, type Observable, type SchedulerLike, timeout } from 'rxjs';
import type { ClientState } from '../runtime/types.js';
import type { StreamSource } from './source.js';
import { state$ } from './state.js';

/**
 * Emits once, when the client is (or becomes) in `state`, then completes; errors with rxjs's
 * `TimeoutError` if that takes longer than `timeoutMs` on `scheduler`'s clock.
 *
 * @param options.timeoutMs - How long to wait. @default Infinity
 * @param options.scheduler - The clock of the timeout. @default asyncScheduler
 */
export function whenState(
  source: StreamSource,
  state: ClientState,
  options: { timeoutMs?: number; scheduler?: SchedulerLike } = {},
): Observable<ClientState> {
  const reached = state$(source).pipe(
    filter((s) => s === state),
    first(),
  );
  const { timeoutMs, scheduler = asyncScheduler } = options;
  return timeoutMs === undefined || timeoutMs === Number.POSITIVE_INFINITY
    ? reached
    : reached.pipe(timeout({ first: timeoutMs, scheduler }));
}
