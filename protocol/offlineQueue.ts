/**
 * The FIFO of outbound QoS >= 1 messages that are not on the current wire: published while
 * offline, waiting for an in-flight slot, or written to an earlier connection and awaiting replay.
 */
import type { PublishCallback } from './sessionTypes.js';

/** One outbound QoS >= 1 message, from `publish` until its final acknowledgement or drop. */
export interface OutboundMessage {
  /** Its packet id, held in the allocator for the message's whole life. */
  readonly packetId: number;
  /** Its topic (for drop events). */
  readonly topic: string;
  /** Its effective QoS, fixed at publish time. */
  readonly qos: 1 | 2;
  /** Its payload size in bytes, the unit of `maxQueueBytes`. */
  readonly size: number;
  /** The encoded PUBLISH; replaced by a DUP = 1 copy before the first re-send. */
  packet: Uint8Array;
  /** Whether it was ever written to a socket: re-sends of such a message carry DUP = 1. */
  written: boolean;
  /** Whether it existed when the current connection began (counted by the replay). */
  replay: boolean;
  /** Its completion callback. */
  readonly done: PublishCallback | undefined;
}

/**
 * A deque of {@link OutboundMessage}s in publish order that tracks their payload bytes. An array
 * with a moving head: `shift` is O(1), and the dead prefix is compacted once it is half the array.
 */
export class OfflineQueue {
  #items: (OutboundMessage | undefined)[] = [];
  #head = 0;
  #byteCount = 0;

  /** The number of messages queued. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** The payload bytes of the queued messages. */
  get bytes(): number {
    return this.#byteCount;
  }

  /**
   * Appends a message (the newest).
   * @param message - The message.
   */
  push(message: OutboundMessage): void {
    this.#items.push(message);
    this.#byteCount += message.size;
  }

  /**
   * The oldest message, left in place.
   * @returns The oldest message, or `undefined` when empty.
   */
  peek(): OutboundMessage | undefined {
    return this.#items[this.#head];
  }

  /**
   * Removes and returns the oldest message.
   * @returns The oldest message, or `undefined` when empty.
   */
  shift(): OutboundMessage | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const message = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (message) this.#byteCount -= message.size;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return message;
  }

  /**
   * Puts messages in front of the queue, keeping their order: used when a connection drops and
   * the messages that were in flight (all older than any queued one) must be replayed first.
   * @param messages - Messages in publish order.
   */
  prepend(messages: readonly OutboundMessage[]): void {
    if (messages.length === 0) return;
    for (const m of messages) this.#byteCount += m.size;
    this.#items = messages.concat(this.toArray());
    this.#head = 0;
  }

  /**
   * Removes the messages `predicate` accepts and returns them (oldest first); the rest keep their order.
   * @param predicate - Chooses the messages to remove.
   * @returns The removed messages.
   */
  removeWhere(predicate: (message: OutboundMessage) => boolean): OutboundMessage[] {
    const kept: OutboundMessage[] = [];
    const removed: OutboundMessage[] = [];
    for (const m of this.toArray()) (predicate(m) ? removed : kept).push(m);
    this.#items = kept;
    this.#head = 0;
    this.#byteCount = 0;
    for (const m of kept) this.#byteCount += m.size;
    return removed;
  }

  /**
   * The queued messages, oldest first (a copy).
   * @returns A new array.
   */
  toArray(): OutboundMessage[] {
    return this.#items.slice(this.#head) as OutboundMessage[];
  }
}
