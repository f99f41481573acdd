import type { ClientEvent } from '../runtime/types.js';
import { filter, Observable, type OperatorFunction } from './rx.js';
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

/** Keeps the events of the given types, narrowed to them. */
export function ofType<T extends ClientEvent['type']>(
  ...types: readonly T[]
): OperatorFunction<ClientEvent, Extract<ClientEvent, { type: T }>> {
  return filter((event): event is Extract<ClientEvent, { type: T }> =>
    (types as readonly string[]).includes(event.type),
  );
}
