/**
 * What a SUBACK or UNSUBACK return code means for one filter (spec R245): the event the session
 * emits and the outcome its callbacks get. Kept apart from the registry, which only decides
 * which filters and callbacks a packet id stands for.
 */
import { SubscribeError, UnsubscribeError } from '../errors.js';
import type { QoS } from './encode.js';
import type { SessionIO, SubscribeResult } from './sessionTypes.js';

/** The QoS a SUBACK return code grants; null for a refusal (0x80, an MQTT 5 failure, or no code). */
export const grantOf = (code: number | undefined): QoS | null =>
  code === 0 || code === 1 || code === 2 ? code : null;

/**
 * Emits the `suback` event of one filter and returns the outcome its callbacks get: the granted
 * QoS, or (refused, or no code for it) a {@link SubscribeError}, naming an MQTT 5 code above 0x80.
 * @param io - Where the event goes, and the reason names come from.
 * @param id - The SUBACK's packet id.
 * @param filter - The filter the code is for.
 * @param code - The filter's return code; undefined when the SUBACK has none for it.
 */
export function subackOutcome(
  io: SessionIO,
  id: number,
  filter: string,
  code: number | undefined,
): SubscribeResult {
  const qos = grantOf(code);
  // An MQTT 5 code above 0x80 says why (R245); 0x80 is also 3.1.1's only failure.
  const why = code !== undefined && code > 0x80 ? code : undefined;
  const reason = why === undefined ? undefined : io.reasonName?.(why, 'SUBACK');
  io.emit(
    why === undefined
      ? { type: 'suback', packetId: id, filter, granted: qos }
      : reason === undefined
        ? { type: 'suback', packetId: id, filter, granted: qos, reasonCode: why }
        : { type: 'suback', packetId: id, filter, granted: qos, reasonCode: why, reason },
  );
  return qos === null ? { error: new SubscribeError(filter, why, reason) } : { granted: qos };
}

/**
 * Emits the `unsuback` event of an UNSUBSCRIBE's filter and returns what its callbacks get: an
 * {@link UnsubscribeError} for an MQTT 5 code of 0x80 or above (the broker refused), else nothing.
 * An MQTT 5 code other than 0x00 is in the event; 3.1.1 has no codes.
 * @param io - Where the event goes, and the reason names come from.
 * @param id - The UNSUBACK's packet id.
 * @param filter - The UNSUBSCRIBE's filter.
 * @param code - The UNSUBACK's reason code (MQTT 5); undefined in 3.1.1.
 */
export function unsubackOutcome(
  io: SessionIO,
  id: number,
  filter: string,
  code: number | undefined,
): UnsubscribeError | undefined {
  if (code === undefined || code === 0) {
    io.emit({ type: 'unsuback', packetId: id, filter });
    return undefined;
  }
  const reason = io.reasonName?.(code, 'UNSUBACK');
  io.emit(
    reason === undefined
      ? { type: 'unsuback', packetId: id, filter, reasonCode: code }
      : { type: 'unsuback', packetId: id, filter, reasonCode: code, reason },
  );
  return code >= 0x80 ? new UnsubscribeError(filter, code, reason) : undefined;
}
