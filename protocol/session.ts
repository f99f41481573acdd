/**
 * The MQTT 3.1.1 session: the protocol bookkeeping of publishing and receiving, kept out of the
 * connection statechart because it is the hot path. Plain synchronous code; the client runtime
 * calls it and gives it a socket to write to ({@link SessionIO}).
 */
import type { QoS } from './encode.js';
import { dropBufferFull, dropOffline, SENT, SENT_FULL, settleWhenFlushed, writeQos0 } from './qos0.js';
import { checkQos, payloadSize } from './sessionArgs.js';
import { SessionLink } from './sessionLink.js';
import {
  type PublishCallback,
  type PublishResult,
  type SubscribeCallback,
  type SubscribeResult,
  type SubscriptionInfo,
  settle,
  type UnsubscribeCallback,
} from './sessionTypes.js';
import { SubscribeBatch } from './subscribeWaiters.js';
import { validateTopicFilter } from './topics.js';

export type { QoS } from './encode.js';
export {
  DEFAULT_SESSION_OPTIONS,
  MONGOOSE_SESSION_OPTIONS,
  resolveSessionOptions,
} from './sessionOptions.js';
export type {
  DropReason,
  MessageHandler,
  OverflowPolicy,
  PublishCallback,
  PublishResult,
  ResolvedSessionOptions,
  SessionEvent,
  SessionIO,
  SessionOptions,
  SubscribeCallback,
  SubscribeResult,
  SubscriptionInfo,
  UnsubscribeCallback,
} from './sessionTypes.js';
export { SubscriptionCancelledError } from './subscriptionCancelled.js';

/**
 * Publishing and receiving over one logical MQTT session, across many connections.
 *
 * Decisions, beyond what MQTT 3.1.1 requires:
 * - QoS is capped at `maxQos` without notice, and the queue decision uses that effective QoS (a
 *   QoS 1 publish under `maxQos: 0` is sent as QoS 0 and never queued; Mongoose bug fixed).
 * - QoS 0 is never queued: written when connected, dropped (event `drop`/`offline`) when not.
 *   Its `done` waits until its bytes are handed to the operating system (spec R54); above
 *   `maxBufferedBytes` waiting in the transport it is dropped (`drop`/`buffer-full`, spec R56).
 * - QoS >= 1 keeps publish order across reconnects: a new publish never overtakes a queued one.
 * - DUP = 1 exactly on re-sends of an id already written to a socket, never on a first send.
 * - Overflow and the clean-session policy: see {@link SessionOptions}; `drop-oldest` never drops
 *   a message on the current wire (its id is live), and falls back to dropping the new one.
 * - `reject` throws `QUEUE_FULL` from `publish` (nothing kept, `done` not called) so it differs
 *   from `drop-newest`, which accepts the call and completes `done` with `QUEUE_FULL`.
 * - A QoS 2 message past PUBREC is completed successfully if the session is then lost: the broker
 *   took it at PUBREC, so re-sending it would duplicate it.
 * - A `subscribe` while connected is one SUBSCRIBE; every filter is re-sent on every connection in
 *   registration order, many per SUBSCRIBE (spec R163); a filter the broker refused (0x80) stays
 *   registered; an offline `unsubscribe` is sent on reconnect.
 * - Every inbound QoS 1 PUBLISH is acknowledged, matched or not; inbound QoS 2 is exactly once.
 * - Packets handed to {@link MqttSession.handle} while disconnected are ignored (a dead socket's).
 */
export class MqttSession extends SessionLink {
  /** The last QoS 0 publish found the transport at or above its high-water mark. */
  #full = false;

  /**
   * Publishes a message. QoS 0 is written now or dropped; QoS >= 1 is sent now or queued.
   *
   * @param topic - A topic name (no wildcards).
   * @param payload - Bytes, or a string sent as UTF-8.
   * @param qos - The requested QoS; `min(qos, maxQos)` is used.
   * @param retain - The RETAIN flag.
   * @param done - Called exactly once: see {@link PublishCallback}. Not called when this throws.
   * @returns The packet id and what happened to the message.
   * @throws {@link InvalidTopicError} for an invalid topic; {@link SizeLimitError}
   *   `PAYLOAD_TOO_LARGE` above `maxPayloadBytes`, or, for QoS >= 1, above `maxQueueBytes`; {@link MessageDroppedError} `QUEUE_FULL` when
   *   the queue is full and `overflow` is `reject`; {@link InvalidArgumentError} for a bad QoS.
   */
  publish(
    topic: string,
    payload: Uint8Array | string,
    qos: QoS,
    retain: boolean,
    done?: PublishCallback,
  ): PublishResult {
    const encodedTopic = this.topics.bytes(topic);
    checkQos(qos);
    const size = payloadSize(payload, this.options.maxPayloadBytes);
    const effective = qos < this.currentMaxQos ? qos : this.currentMaxQos;
    if (effective !== 0)
      return this.outbound.publish(topic, encodedTopic, payload, size, effective, retain, done);
    const io = this.io;
    if (!this.connectedNow) return dropOffline(io, topic, done);
    if (this.#full && io.bufferedBytes() > this.options.maxBufferedBytes)
      return dropBufferFull(io, topic, this.options.maxBufferedBytes, done);
    const full = writeQos0(io, encodedTopic, payload, size, retain);
    this.#full = full;
    if (done !== undefined) settleWhenFlushed(io, topic, done);
    return full ? SENT_FULL : SENT;
  }

  /**
   * Registers a subscription (updating the QoS of an existing filter in place) and sends
   * SUBSCRIBE now if connected, else on the next connection.
   *
   * @param filter - A topic filter.
   * @param qos - The requested QoS; each SUBSCRIBE sends `min(qos, maxQos)` at the time.
   * @param done - Called with the SUBACK outcome (`{ error }` for 0x80), or with a
   *   {@link SubscriptionCancelledError} if `unsubscribe` withdrew it before any SUBACK.
   * @throws {@link InvalidTopicError} for an invalid filter; {@link InvalidArgumentError} for a bad QoS.
   */
  subscribe(filter: string, qos: QoS, done?: SubscribeCallback): void {
    validateTopicFilter(filter);
    checkQos(qos);
    this.log?.subscribe(filter, qos);
    this.subs.subscribe(filter, qos, done);
  }

  /**
   * Registers several subscriptions at once and sends them in one SUBSCRIBE when connected (more
   * than one only past `maxFiltersPerSubscribe` filters or 64 KiB of them, spec R164), else on
   * the next connection. Each filter keeps its own outcome: the SUBACK's return code for it.
   *
   * @param subscriptions - Topic filters with their requested QoS; a filter listed twice is sent
   *   once, with the QoS listed last, and both entries get its outcome.
   * @param done - Called once with one outcome per entry of `subscriptions`, in its order.
   * @throws {@link InvalidTopicError} for an invalid filter; {@link InvalidArgumentError} for a bad
   *   QoS; nothing is registered then.
   */
  subscribeMany(
    subscriptions: readonly { readonly filter: string; readonly qos: QoS }[],
    done?: (results: SubscribeResult[]) => void,
  ): void {
    for (const { filter, qos } of subscriptions) {
      validateTopicFilter(filter);
      checkQos(qos);
    }
    // One object waits for the whole list: no callback per entry (spec R333).
    const batch = new SubscribeBatch(subscriptions, done, this.io);
    if (subscriptions.length === 0) settle(done, [], this.io);
    if (this.log !== undefined) for (const { filter, qos } of subscriptions) this.log.subscribe(filter, qos);
    this.subs.subscribeAll(subscriptions, batch);
  }

  /**
   * Removes a subscription locally and sends UNSUBSCRIBE now if connected, else on the next
   * connection that keeps the session (without one there is nothing to remove and `done` succeeds).
   *
   * @param filter - A topic filter, registered or not.
   * @param done - Called when the broker acknowledged it.
   * @throws {@link InvalidTopicError} for an invalid filter.
   */
  unsubscribe(filter: string, done?: UnsubscribeCallback): void {
    validateTopicFilter(filter);
    this.log?.unsubscribe(filter);
    this.subs.unsubscribe(filter, done);
  }

  /**
   * The registered subscriptions in registration order, with the QoS requested and the QoS last granted.
   * @returns A new array.
   */
  subscriptions(): SubscriptionInfo[] {
    return this.subs.list();
  }

  /**
   * Changes the maximum QoS for later publishes and SUBSCRIBEs (including the re-subscriptions on
   * the next connection). Raising it again works (unlike Mongoose's `set_max_qos`).
   * @param qos - The new maximum.
   * @throws {@link InvalidArgumentError} for a bad QoS.
   */
  setMaxQos(qos: QoS): void {
    checkQos(qos);
    this.currentMaxQos = qos;
  }

  /**
   * Payload bytes of queued and in-flight QoS >= 1 messages plus the transport's unflushed bytes
   * (Mongoose `num_unsent_bytes`; topics and headers are not counted).
   * @returns A byte count.
   */
  numUnsentBytes(): number {
    return this.outbound.state.queueBytes + this.io.bufferedBytes();
  }

  /**
   * An id not in use right now, without holding it (Mongoose's `get_packet_id`). It advances the
   * counter, so the next publish gets a later id.
   * @returns An id from 1 to 65535.
   * @throws {@link MqttError} `QUEUE_FULL` when all ids are in use.
   */
  nextPacketId(): number {
    const id = this.packetIds.next();
    this.packetIds.release(id);
    return id;
  }
}
