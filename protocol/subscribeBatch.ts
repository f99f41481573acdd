/**
 * How the registered filters are cut into SUBSCRIBEs (spec R163, R333): the limits, the group
 * being gathered, and the cutting.
 */
import { utf8ByteLength } from './encodeBytes.js';

/**
 * The most bytes of filters (with their length prefixes and QoS) in one SUBSCRIBE (spec R163): a
 * 3.1.1 broker announces no packet size limit, and 64 KiB is far below any broker's default.
 */
export const SUBSCRIBE_BATCH_BYTES = 65_536;

/**
 * The filters of one SUBSCRIBE being gathered, with their UTF-8 lengths in a parallel list (no
 * object per filter, spec R333).
 */
export class SubscribeGroup {
  /** The filters, in order. */
  readonly filters: string[] = [];
  /** Their UTF-8 byte lengths. */
  readonly lengths: number[] = [];
  #bytes = 0;

  /**
   * Whether a filter of `length` UTF-8 bytes must start the next SUBSCRIBE (spec R163).
   * @param batch - The most filters in one SUBSCRIBE.
   * @param length - The filter's UTF-8 byte length.
   */
  full(batch: number, length: number): boolean {
    const n = this.filters.length;
    return n > 0 && (n >= batch || this.#bytes + 3 + length > SUBSCRIBE_BATCH_BYTES);
  }

  /** Appends a filter with its UTF-8 byte length. */
  add(filter: string, length: number): void {
    this.filters.push(filter);
    this.lengths.push(length);
    this.#bytes += 3 + length;
  }
}

/**
 * Cuts `filters` into SUBSCRIBEs in order, each of up to `limit` filters and
 * {@link SUBSCRIBE_BATCH_BYTES} bytes of them (a filter too large for that goes alone), and hands
 * each group to `send`. When `send` returns false (no packet id is free) it stops, and every filter
 * not sent, that group's included, goes to `park` in order, when there is one.
 * @param filters - The filters to send, in order.
 * @param limit - The most filters in one SUBSCRIBE (`maxFiltersPerSubscribe`).
 * @param send - Writes one SUBSCRIBE; false when it could not.
 * @param park - Keeps a filter for the next connection. @default none: the rest is dropped here
 */
export function sendInGroups(
  filters: Iterator<string>,
  limit: number,
  send: (group: SubscribeGroup) => boolean,
  park?: (filter: string) => void,
): void {
  let group = new SubscribeGroup();
  for (let next = filters.next(); next.done !== true; next = filters.next()) {
    const filter = next.value;
    const length = utf8ByteLength(filter);
    if (group.full(limit, length)) {
      if (!send(group)) {
        if (park !== undefined) {
          for (const f of group.filters) park(f);
          park(filter);
          for (let rest = filters.next(); rest.done !== true; rest = filters.next()) park(rest.value);
        }
        return;
      }
      group = new SubscribeGroup();
    }
    group.add(filter, length);
  }
  if (group.filters.length > 0 && !send(group) && park !== undefined) {
    for (const f of group.filters) park(f);
  }
}
