/**
 * How the registered filters are cut into SUBSCRIBEs (spec R163, R333): the limits and the group
 * being gathered.
 */

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
  private bytes = 0;

  /**
   * Whether a filter of `length` UTF-8 bytes must start the next SUBSCRIBE (spec R163).
   * @param batch - The most filters in one SUBSCRIBE.
   * @param length - The filter's UTF-8 byte length.
   */
  full(batch: number, length: number): boolean {
    const n = this.filters.length;
    return n > 0 && (n >= batch || this.bytes + 3 + length > SUBSCRIBE_BATCH_BYTES);
  }

  /** Appends a filter with its UTF-8 byte length. */
  add(filter: string, length: number): void {
    this.filters.push(filter);
    this.lengths.push(length);
    this.bytes += 3 + length;
  }
}
