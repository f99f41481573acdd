/**
 * Packet identifiers, allocated the way Mongoose does (`mgos_mqtt_conn_get_packet_id`): one 16-bit
 * counter per connection, shared by PUBLISH, SUBSCRIBE and UNSUBSCRIBE.
 */
import { InvalidArgumentError, MqttError } from '../errors.js';

/** The largest packet id; ids are 16-bit and 0 is not allowed [MQTT-2.3.1-1]. */
const MAX_ID = 0xffff;

function isPacketId(id: number): boolean {
  return Number.isInteger(id) && id >= 1 && id <= MAX_ID;
}

function checkPacketId(id: number, what: string): void {
  if (!isPacketId(id)) {
    throw new InvalidArgumentError(`${what}: a packet id must be an integer from 1 to 65535, got ${id}`);
  }
}

/**
 * Hands out MQTT packet ids: pre-incremented, never 0 (after 0xffff comes 1), and never an id that
 * is still in use, so a new packet cannot be confused with an unacknowledged one
 * [MQTT-2.3.1-2].
 *
 * An id is in use from the moment {@link PacketIdAllocator.next} returns it (or
 * {@link PacketIdAllocator.hold} claims it) until {@link PacketIdAllocator.release} frees it, which
 * the owner does when the flow completes (PUBACK, PUBCOMP, SUBACK, UNSUBACK) or the packet is
 * dropped. Unlike Mongoose, where only queue entries hold ids, every id handed out is held, so a
 * QoS 0 publish must release its id as soon as it is sent.
 */
export class PacketIdAllocator {
  #last: number;
  /** The ids in use; made on the first one, as an idle session needs none. */
  #held: Set<number> | undefined;

  /**
   * @param start - The id that counts as issued last, so the first `next()` returns `start + 1`
   *   (or 1 after 0xffff). An integer from 0 to 65535.
   *   @default 0
   * @throws {@link InvalidArgumentError} when `start` is out of range.
   */
  constructor(start = 0) {
    if (!Number.isInteger(start) || start < 0 || start > MAX_ID) {
      throw new InvalidArgumentError(`start must be an integer from 0 to 65535, got ${start}`);
    }
    this.#last = start;
  }

  /** The number of ids in use. */
  get inUse(): number {
    return this.#held?.size ?? 0;
  }

  /**
   * Returns the next free id after the last one issued and marks it in use.
   *
   * @returns An id from 1 to 65535 that was not in use.
   * @throws {@link MqttError} with code `QUEUE_FULL` when all 65535 ids are in use.
   */
  next(): number {
    this.#held ??= new Set();
    const held = this.#held;
    if (held.size >= MAX_ID) throw new MqttError('QUEUE_FULL', 'all 65535 packet ids are in use');
    let id = this.#last;
    // Terminates: at least one id is free, and the walk visits every id within 65535 steps.
    do id = id >= MAX_ID ? 1 : id + 1;
    while (held.has(id));
    this.#last = id;
    held.add(id);
    return id;
  }

  /**
   * Marks an id in use without issuing it, for example for messages restored from a persisted
   * session. Holding an id that is already held changes nothing. Does not move the counter.
   *
   * @param id - An integer from 1 to 65535.
   * @throws {@link InvalidArgumentError} when `id` is not a packet id.
   */
  hold(id: number): void {
    checkPacketId(id, 'hold');
    this.#held ??= new Set();
    this.#held.add(id);
  }

  /**
   * Frees an id so `next()` may issue it again. Releasing an id that is not held changes nothing,
   * so a late duplicate acknowledgement is harmless.
   *
   * @param id - An integer from 1 to 65535.
   * @throws {@link InvalidArgumentError} when `id` is not a packet id.
   */
  release(id: number): void {
    checkPacketId(id, 'release');
    this.#held?.delete(id);
  }

  /**
   * Tells whether an id is in use.
   *
   * @param id - Any number; values that are not packet ids are never in use.
   * @returns True when `id` is held.
   */
  isInUse(id: number): boolean {
    return this.#held?.has(id) ?? false;
  }
}
