/**
 * MQTT 5 subscription options (spec R295, R296): No Local, Retain As Published, Retain Handling
 * and the Subscription Identifier, checked when the user asks and written into the session's
 * 3.1.1 SUBSCRIBE on its way out (the session keeps and re-sends 3.1.1 bytes, R238).
 */
import { InvalidArgumentError } from '../../errors.js';
import { alloc, utf8Text, varintSize, writeVarint } from '../encodeBytes.js';

/** The MQTT 5 options of a subscription (3.8.3.1); on MQTT 3.1.1 they are an error. */
export interface SubscriptionOptionsV5 {
  /** No Local: the broker does not send back this client's own publishes. @default false */
  readonly noLocal?: boolean;
  /** Retain As Published: forwarded messages keep their RETAIN flag. @default false */
  readonly retainAsPublished?: boolean;
  /**
   * Retain Handling: 0 retained messages are sent at every subscribe, 1 only when the
   * subscription is new, 2 never. @default 0
   */
  readonly retainHandling?: 0 | 1 | 2;
  /**
   * Subscription Identifier (1-268435455): the broker returns it with every message this
   * subscription matches (`message.properties.subscriptionIdentifiers`). The standard gives one
   * identifier to a whole SUBSCRIBE, so it needs `session.maxFiltersPerSubscribe: 1` (R296).
   * @default none
   */
  readonly subscriptionIdentifier?: number;
}

/** The largest Subscription Identifier, a Variable Byte Integer (3.8.2.1.2). */
export const MAX_SUBSCRIPTION_IDENTIFIER = 268_435_455;

/** What the transport writes for one filter: its option bits and identifier. */
export interface SubscriptionWire {
  /** Bits 2-5 of the options byte. */
  readonly bits: number;
  /** The Subscription Identifier, if any. */
  readonly identifier?: number;
}

/**
 * Checks a subscription's MQTT 5 options (R295).
 * @param filter - The topic filter (No Local is not allowed on a shared one [MQTT-3.8.3-4]).
 * @param o - The options.
 * @returns What to write, or `undefined` when every option is its default.
 * @throws {@link InvalidArgumentError} on a bad value.
 */
export function subscriptionWire(filter: string, o: SubscriptionOptionsV5): SubscriptionWire | undefined {
  for (const key of ['noLocal', 'retainAsPublished'] as const) {
    if (o[key] !== undefined && typeof o[key] !== 'boolean') {
      throw new InvalidArgumentError(`${key} must be a boolean`);
    }
  }
  const rh = o.retainHandling ?? 0;
  if (rh !== 0 && rh !== 1 && rh !== 2) {
    throw new InvalidArgumentError(`retainHandling must be 0, 1 or 2, got ${String(rh)}`);
  }
  if (o.noLocal === true && filter.startsWith('$share/')) {
    throw new InvalidArgumentError(
      `noLocal is not allowed on the shared subscription ${filter} [MQTT-3.8.3-4]`,
    );
  }
  const id = o.subscriptionIdentifier;
  if (id !== undefined && (!Number.isInteger(id) || id < 1 || id > MAX_SUBSCRIPTION_IDENTIFIER)) {
    throw new InvalidArgumentError(
      `subscriptionIdentifier must be an integer from 1 to ${MAX_SUBSCRIPTION_IDENTIFIER}, got ${id}`,
    );
  }
  const bits = (o.noLocal === true ? 0x04 : 0) | (o.retainAsPublished === true ? 0x08 : 0) | (rh << 4);
  if (bits === 0 && id === undefined) return undefined;
  return id === undefined ? { bits } : { bits, identifier: id };
}

/**
 * The MQTT 5 form of a SUBSCRIBE the session encoded for 3.1.1, with each filter's options and
 * the Subscription Identifier its filters share (R295, R296); `undefined` when no filter has any.
 * @param packet - A whole, valid 3.1.1 SUBSCRIBE (the session's encoder made it).
 * @param lookup - A filter's options.
 * @returns The MQTT 5 SUBSCRIBE, or `undefined`.
 */
export function subscribeWithOptions(
  packet: Uint8Array,
  lookup: (filter: string) => SubscriptionWire | undefined,
): Uint8Array | undefined {
  let remaining = 0;
  let at = 1;
  for (let shift = 0; ; shift += 7) {
    const byte = packet[at++] as number;
    remaining += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) break;
  }
  const start = at;
  const end = start + remaining;
  const found: { at: number; wire: SubscriptionWire }[] = [];
  let identifier: number | undefined;
  for (let p = start + 2; p < end; ) {
    const n = ((packet[p] as number) << 8) | (packet[p + 1] as number);
    const filter = utf8Text(packet.subarray(p + 2, p + 2 + n)) ?? '';
    const wire = lookup(filter);
    const qosAt = p + 2 + n;
    if (wire !== undefined) {
      found.push({ at: qosAt - start, wire });
      identifier ??= wire.identifier;
    }
    p = qosAt + 1;
  }
  if (found.length === 0) return undefined;
  const props = identifier === undefined ? 0 : 1 + varintSize(identifier);
  const grown = remaining + varintSize(props) + props;
  const out = alloc(1 + varintSize(grown) + grown);
  out[0] = packet[0] as number;
  const body = writeVarint(out, 1, grown);
  out[body] = packet[start] as number;
  out[body + 1] = packet[start + 1] as number;
  let pos = writeVarint(out, body + 2, props);
  if (identifier !== undefined) {
    out[pos++] = 0x0b;
    pos = writeVarint(out, pos, identifier);
  }
  const shift = pos - (body + 2);
  out.set(packet.subarray(start + 2, end), pos);
  for (const f of found) out[body + shift + f.at] = (packet[start + f.at] as number) | f.wire.bits;
  return out;
}
