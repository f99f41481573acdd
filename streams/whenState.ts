import {
  asyncScheduler,
  filter,
  first,
  map,
  type Observable,
  type SchedulerLike,
  throwError,
  timeout,
} from 'rxjs';
import { ClientClosedError, TimeoutError } from '../errors.js';
import type { ClientState } from '../runtime/types.js';
import type { StreamSource } from './source.js';
import { state$ } from './state.js';

/**
 * Emits once, when the client is (or becomes) in `state`, then completes. Errors (spec R86) with
 * the library's {@link TimeoutError} (code `WAIT_TIMEOUT`) if that takes longer than `timeoutMs`
 * on `scheduler`'s clock, and with {@link ClientClosedError} if the client stops (`disconnect()`,
 * or a refusal under `onRefused: 'stop'`) before reaching it; waiting for `'stopped'` itself
 * completes then instead.
 *
 * @param options.timeoutMs - How long to wait. @default Infinity
 * @param options.scheduler - The clock of the timeout. @default asyncScheduler
 * @example
 * await firstValueFrom(whenState(client, 'connected', { timeoutMs: 5000 }));
 */
export function whenState(
  source: StreamSource,
  state: ClientState,
  options: { timeoutMs?: number; scheduler?: SchedulerLike } = {},
): Observable<ClientState> {
  const reached = state$(source).pipe(
    map((s, index) => {
      // The first value is the state at subscription: only a move into `stopped` ends the wait.
      if (s === 'stopped' && index > 0 && state !== 'stopped')
        throw new ClientClosedError(`the client stopped before it was ${state}`);
      return s;
    }),
    filter((s) => s === state),
    first(),
  );
  const { timeoutMs, scheduler = asyncScheduler } = options;
  if (timeoutMs === undefined || timeoutMs === Infinity) return reached;
  const timedOut = () =>
    throwError(() => new TimeoutError('WAIT_TIMEOUT', `the client was not ${state} within ${timeoutMs} ms`));
  return reached.pipe(timeout({ first: timeoutMs, scheduler, with: timedOut }));
}
