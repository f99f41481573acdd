import type { ClientEvent } from '../runtime/types.js';
import { Observable } from './rx.js';
import type { StreamSource } from './source.js';

/**
 * Every client event: lifecycle (`connecting`, `connect.error`, `connected`, `disconnected`,
 * `backoff`, `ready`, `stopped`), session (`message`, `puback`, `pubrec`, `pubcomp`, `suback`,
 * `unsuback`, `drop`, `replay.done`) and `protocol.error`. Hot: events before subscribing are not replayed.
 *
 * @example
 * events$(client).pipe(ofType('drop')).subscribe((d) => log.warn('dropped', d.topic, d.reason));
 */
export function events$(source: StreamSource): Observable<ClientEvent> {
  return new Observable<ClientEvent>((subscriber) => source.onEvent((event) => subscriber.next(event)));
}

// In its own module with the rxjs operator it needs, which a bundle without it leaves out.
export { ofType } from './ofType.js';
