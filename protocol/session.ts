/**
 * The MQTT 3.1.1 session: the protocol bookkeeping of publishing and receiving, kept out of the
 * connection statechart because it is the hot path. Plain synchronous code; the client runtime
 * calls it and gives it a socket to write to ({@link SessionIO}).
 */
import {
  type ClientClosedError,
  InvalidArgumentError,
  MessageDroppedError,
  NotConnectedError,
  SizeLimitError,
} from '../errors.js';
import type { InboundPacket } from './decoder.js';
import { encodePublish, encodePublishInto, publishSize, type QoS } from './encode.js';
import { utf8ByteLength } from './encodeBytes.js';
import { InboundFlow } from './inbound.js';
import { OutboundFlow } from './outbound.js';
import { PacketIdAllocator } from './packetIds.js';
import { attachStore, type SessionLog } from './sessionLog.js';
import {
  type PublishCallback,
  type PublishResult,
  RESERVE_FULL,
  type ResolvedSessionOptions,
  resolveSessionOptions,
  type SessionIO,
  type SessionOptions,
  type SubscribeCallback,
  type SubscriptionInfo,
  settle,
  type UnsubscribeCallback,
} from './sessionTypes.js';
import { SubscriptionRegistry } from './subscriptions.js';
import { TopicCache } from './topicCache.js';
import { validateTopicFilter } from './topics.js';

export type { QoS } from './encode.js';
export {
  DEFAULT_SESSION_OPTIONS,
  type DropReason,
  type MessageHandler,
  MONGOOSE_SESSION_OPTIONS,
  type OverflowPolicy,
  type PublishCallback,
  type PublishResult,
  type ResolvedSessionOptions,
  resolveSessionOptions,
  type SessionEvent,
  type SessionIO,
  type SessionOptions,
  type SubscribeCallback,
  type SubscribeResult,
  type SubscriptionInfo,
  type UnsubscribeCallback,
} from './sessionTypes.js';
export { SubscriptionCancelledError } from './subscriptions.js';

/**
 * Checks a QoS argument from untyped callers.
 * @param qos - The value.
 * @throws {@link InvalidArgumentError} unless it is 0, 1 or 2.
 */
function checkQos(qos: number): asserts qos is QoS {
  if (qos !== 0 && qos !== 1 && qos !== 2)
    throw new InvalidArgumentError(`qos must be 0, 1 or 2, got ${qos}`);
}

// Shared results, so a QoS 0 publish allocates nothing but its packet.
const SENT: PublishResult = Object.freeze({ packetId: 0, disposition: 'sent', writable: true });
const SENT_FULL: PublishResult = Object.freeze({ packetId: 0, disposition: 'sent', writable: false });
const DROPPED: PublishResult = Object.freeze({ packetId: 0, disposition: 'dropped', writable: true });
const DROPPED_FULL: PublishResult = Object.freeze({ packetId: 0, disposition: 'dropped', writable: false });

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
 * - One SUBSCRIBE per filter, re-sent on every connection in registration order; a filter the
 *   broker refused (0x80) stays registered; an offline `unsubscribe` is sent on reconnect.
 * - Every inbound QoS 1 PUBLISH is acknowledged, matched or not; inbound QoS 2 is exactly once.
 * - Packets handed to {@link MqttSession.handle} while disconnected are ignored (a dead socket's).
 */
export class MqttSession {
  /** The packet-id allocator shared by PUBLISH, SUBSCRIBE and UNSUBSCRIBE. */
  readonly packetIds: PacketIdAllocator;
  private readonly options: ResolvedSessionOptions;
  private readonly outbound: OutboundFlow;
  private readonly subs: SubscriptionRegistry;
  private readonly inbound: InboundFlow;
  private readonly topics = new TopicCache();
  private currentMaxQos: QoS;
  private connectedNow = false;
  /** The last QoS 0 publish found the transport at or above its high-water mark. */
  private full = false;

  /**
   * @param io - The runtime's socket and event sink.
   * @param options - Queue, window and QoS limits.
   * @param packetIds - The allocator to use.
   *   @default a new PacketIdAllocator()
   * @throws {@link ConfigError} when an option is invalid.
   */
  constructor(
    private readonly io: SessionIO,
    options?: SessionOptions,
    packetIds: PacketIdAllocator = new PacketIdAllocator(),
  ) {
    this.options = resolveSessionOptions(options);
    this.currentMaxQos = this.options.maxQos;
    this.packetIds = packetIds;
    this.outbound = new OutboundFlow(packetIds, io, this.options);
    this.inbound = new InboundFlow(io, this.options);
    // The registry reads `maxQos` from the session itself, rather than through a closure.
    this.subs = new SubscriptionRegistry(packetIds, io, this);
    const store = this.options.store;
    if (store !== undefined) {
      const subs = this.subs;
      const log = attachStore(store, {
        restoreOutbound: (messages, releasing) => this.outbound.state.restoreOutbound(messages, releasing),
        restoreInbound: (ids, prints) => this.inbound.restoreInbound(ids, prints),
        restoreSubscription: (filter, qos) => subs.subscribe(filter, qos, undefined),
      });
      this.outbound.state.log = log;
      this.inbound.log = log;
    }
  }

  /** The session's store log; `undefined` without a store. */
  private get log(): SessionLog | undefined {
    return this.outbound.state.log;
  }

  /** True between {@link MqttSession.connected} and {@link MqttSession.disconnected}. */
  get isConnected(): boolean {
    return this.connectedNow;
  }

  /** True while messages from before the current connection are still unacknowledged. */
  get isReplaying(): boolean {
    return this.outbound.state.isReplaying;
  }

  /** The current maximum QoS. */
  get maxQos(): QoS {
    return this.currentMaxQos;
  }

  /** QoS >= 1 messages held (queued plus in flight awaiting PUBACK/PUBREC); at most `maxQueueLength`. */
  get queueLength(): number {
    return this.outbound.state.queueLength;
  }

  /** QoS >= 1 publishes on the wire awaiting PUBACK/PUBREC. */
  get inflightCount(): number {
    return this.outbound.state.inflightCount;
  }

  /**
   * Window slots taken: QoS 1 messages awaiting PUBACK plus QoS 2 messages awaiting PUBCOMP
   * (spec R60); at most `maxInflight`.
   */
  get windowCount(): number {
    return this.outbound.state.windowCount;
  }

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
    let size: number;
    if (typeof payload === 'string') size = utf8ByteLength(payload);
    else if (payload instanceof Uint8Array) size = payload.length;
    else throw new InvalidArgumentError('payload must be a Uint8Array or a string');
    if (size > this.options.maxPayloadBytes) {
      throw new SizeLimitError(
        'PAYLOAD_TOO_LARGE',
        size,
        this.options.maxPayloadBytes,
        'session.maxPayloadBytes',
      );
    }
    const effective = qos < this.currentMaxQos ? qos : this.currentMaxQos;
    if (effective !== 0)
      return this.outbound.publish(topic, encodedTopic, payload, size, effective, retain, done);
    if (!this.connectedNow) {
      this.io.emit({ type: 'drop', reason: 'offline', topic, packetId: 0, qos: 0 });
      settle(done, new NotConnectedError(), this.io);
      return DROPPED;
    }
    const io = this.io;
    // The bound is checked only once a publish found the transport above its mark: the fast path
    // pays for one `needsDrain` (spec R56).
    if (this.full && io.bufferedBytes() > this.options.maxBufferedBytes) {
      io.emit({ type: 'drop', reason: 'buffer-full', topic, packetId: 0, qos: 0 });
      const limit = this.options.maxBufferedBytes;
      settle(done, new MessageDroppedError('QUEUE_FULL', `the transport holds more than ${limit} bytes`), io);
      return DROPPED_FULL;
    }
    const full = this.writeQos0(encodedTopic, payload, size, retain);
    this.full = full;
    if (done !== undefined) this.settleWhenFlushed(topic, done);
    return full ? SENT_FULL : SENT;
  }

  /** Completes a QoS 0 publish once its bytes are handed to the operating system (spec R54). */
  private settleWhenFlushed(topic: string, done: PublishCallback): void {
    const io = this.io;
    if (io.whenFlushed === undefined) {
      settle(done, undefined, io);
      return;
    }
    io.whenFlushed((flushed) => {
      if (flushed) {
        settle(done, undefined, io);
        return;
      }
      io.emit({ type: 'drop', reason: 'offline', topic, packetId: 0, qos: 0 });
      settle(
        done,
        new MessageDroppedError('MESSAGE_DROPPED', 'the connection closed before the message was written'),
        io,
      );
    });
  }

  /**
   * QoS 0 straight into the transport's buffer when it offers one: no allocation, no copy.
   * Otherwise (no zero-copy transport, or none open) the packet goes through `write`.
   * @returns Whether the transport is now at its high-water mark (spec R55).
   */
  private writeQos0(topic: Uint8Array, payload: Uint8Array | string, size: number, retain: boolean): boolean {
    const io = this.io;
    const at = io.reserve === undefined ? -1 : io.reserve(publishSize(topic.length, size, 0));
    const buffer = io.outBuffer;
    if (at < 0 || buffer === undefined) {
      io.write(encodePublish(topic, payload, 0, retain, false, 0, size));
      return io.needsDrain?.() === true;
    }
    const full = at >= RESERVE_FULL;
    encodePublishInto(
      buffer,
      full ? at - RESERVE_FULL : at,
      topic,
      topic.length,
      payload,
      size,
      0,
      retain,
      false,
      0,
    );
    return full;
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
   * Call right after CONNACK with return code 0. In order: re-sends PUBREL for outbound QoS 2
   * messages past PUBREC, sends UNSUBSCRIBEs made offline, re-subscribes every filter in
   * registration order, then replays queued QoS >= 1 publishes in order, up to `maxInflight` at
   * once. Emits `replay.done` when everything from before this connection is acknowledged
   * (at once if there was nothing).
   * @param sessionPresent - The CONNACK's session-present flag.
   */
  connected(sessionPresent: boolean): void {
    if (this.connectedNow) this.disconnected();
    this.connectedNow = true;
    this.inbound.connected(sessionPresent);
    this.outbound.resume(sessionPresent);
    this.subs.onConnected(sessionPresent);
    this.outbound.startReplay();
  }

  /**
   * Call when the socket is gone. In-flight QoS >= 1 messages stay, in order, for the replay;
   * QoS 0 already written is gone; registrations stay; inbound QoS 2 ids awaiting PUBREL are
   * kept until a CONNACK says the session was lost.
   */
  disconnected(): void {
    if (!this.connectedNow) return;
    this.connectedNow = false;
    this.inbound.disconnected();
    this.outbound.disconnected();
    this.subs.onDisconnected();
  }

  /**
   * The client stopped (spec R84): settles everything still waiting, with `error` (a fresh one
   * each). Publishes not yet completed are dropped (event `drop`, reason `closed`); subscribe and
   * unsubscribe callbacks end; registrations stay for the next connection.
   * @param error - Makes the error each waiter gets.
   */
  abandon(error: () => ClientClosedError): void {
    this.disconnected();
    this.outbound.abandon(error);
    this.subs.abandon(error);
  }

  /** Whether the session has a durable store: its queue then outlives a `disconnect()` by default (R84). */
  get durable(): boolean {
    return this.log !== undefined;
  }

  /**
   * Re-sends every unacknowledged PUBLISH (DUP = 1) and PUBREL on the current connection. Not
   * required by MQTT 3.1.1; Mongoose does it on each PINGRESP.
   */
  retransmit(): void {
    this.outbound.retransmit();
  }

  /**
   * Processes one packet from the broker (CONNACK and PINGRESP are left to the runtime).
   * @param packet - A decoded, validated packet.
   */
  handle(packet: InboundPacket): void {
    if (!this.connectedNow) return;
    switch (packet.cmd) {
      case 'publish':
        this.inbound.receive(packet);
        return;
      case 'puback':
        this.outbound.onPuback(packet.messageId);
        return;
      case 'pubrec':
        this.outbound.onPubrec(packet.messageId);
        return;
      case 'pubcomp':
        this.outbound.onPubcomp(packet.messageId);
        return;
      case 'pubrel':
        this.inbound.release(packet.messageId);
        return;
      case 'suback':
        this.subs.onSuback(packet.messageId, packet.granted);
        return;
      case 'unsuback':
        this.subs.onUnsuback(packet.messageId);
        return;
      default:
        return;
    }
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
