import type { ClientState } from '../runtime/types.js';
import { distinctUntilChanged, Observable } from './rx.js';
import type { StreamSource } from './source.js';

/**
 * The client's coarse state: the current one at once (late subscribers are not left waiting, as
 * they would be with a bare `from(actor)`), then every change.
 *
 * @example
 * state$(client).subscribe((s) => console.log('now', s)); // 'idle', 'connecting', 'connected', ...
 */
export function state$(source: StreamSource): Observable<ClientState> {
  return new Observable<ClientState>((subscriber) => {
    subscriber.next(source.state);
    return source.onEvent(() => subscriber.next(source.state));
  }).pipe(distinctUntilChanged());
}
