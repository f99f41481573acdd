/**
 * The `ofType` operator over client events, apart from `events$`: a bundle that uses only
 * `events$` carries neither it nor its rxjs import.
 *
 * @module
 */
import { filter, type OperatorFunction } from 'rxjs';
import type { ClientEvent } from '../runtime/types.js';

/** Keeps the events of the given types, narrowed to them. */
export function ofType<T extends ClientEvent['type']>(
  ...types: readonly T[]
): OperatorFunction<ClientEvent, Extract<ClientEvent, { type: T }>> {
  return filter((event): event is Extract<ClientEvent, { type: T }> =>
    (types as readonly string[]).includes(event.type),
  );
}
