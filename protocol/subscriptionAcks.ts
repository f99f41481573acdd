/**
 * What a SUBACK or UNSUBACK return code means for one filter (spec R245): the event the session
 * emits and the outcome its callbacks get. Kept apart from the registry, which only decides
 * which filters and callbacks a packet id stands for.
 */
import { type MqttError, SubscribeError } from '../errors.js';
import type { QoS } from './encode.js';
import type { SessionIO, SubscribeResult } from './sessionTypes.js';

/** The QoS a SUBACK return code grants; null for a refusal (0x80, an MQTT 5 failure, or no code). */
export const grantOf = (code: number | undefined): QoS | null =>
  code === 0 || code === 1 || code === 2 ? code : null;

/**
 * Emits the `suback` event of one filter and returns the outcome its callbacks get: the granted
 * QoS, or (refused, or no code for it) a {@link SubscribeError}. An MQTT 5 code above 0x80 says
 * why (R245): the MQTT 5 profile's refusals tell it, event and error (R360); 0x80 is also 3.1.1's
 * only failure.
 * @param io - Where the event goes, and the MQTT 5 refusals come from.
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
  const refused =
    code !== undefined && code > 0x80 ? io.refusals?.subscribe(io, id, filter, code) : undefined;
  if (refused === undefined) io.emit({ type: 'suback', packetId: id, filter, granted: qos });
  return qos === null ? { error: refused ?? new SubscribeError(filter) } : { granted: qos };
}

/**
 * Emits the `unsuback` event of an UNSUBSCRIBE's filter and returns what its callbacks get: for an
 * MQTT 5 code of 0x80 or above (the broker refused), the `UnsubscribeError` the MQTT 5 profile's
 * refusals make (R245, R360), which also put a code other than 0x00 in the event; 3.1.1 has no codes.
 * @param io - Where the event goes, and the MQTT 5 refusals come from.
 * @param id - The UNSUBACK's packet id.
 * @param filter - The UNSUBSCRIBE's filter.
 * @param code - The UNSUBACK's reason code (MQTT 5); undefined in 3.1.1.
 */
export function unsubackOutcome(
  io: SessionIO,
  id: number,
  filter: string,
  code: number | undefined,
): MqttError | undefined {
  if (code === undefined || code === 0) {
    io.emit({ type: 'unsuback', packetId: id, filter });
    return undefined;
  }
  return io.refusals?.unsubscribe(io, id, filter, code);
}
