/**
 * The session as the connection drives it: its state and parts (outbound and inbound flows,
 * subscription registry, store log), CONNACK, loss of the connection, stop, and the packets the
 * broker sends. What an MQTT version changes in acknowledgements lands in {@link SessionLink.handle}
 * and the flows it calls. The user's side is `MqttSession` (session.ts).
 *
 * @module
 */
import { type ClientClosedError, ConfigError } from '../errors.js';
import type { InboundPacket } from './decoder.js';
import type { QoS } from './encode.js';
import { InboundFlow } from './inbound.js';
import { OutboundFlow } from './outbound.js';
import { PacketIdAllocator } from './packetIds.js';
import type { SessionLog, StoreRecovery } from './sessionLog.js';
import { resolveSessionOptions } from './sessionOptions.js';
import type { ResolvedSessionOptions, SessionIO, SessionOptions } from './sessionTypes.js';
import { SubscriptionRegistry } from './subscriptions.js';
import { TopicCache } from './topicCache.js';

const NO_RECOVERY =
  "restoring a session from a store is left out of this bundle: pass attachStore (exported by 'mqtt-lifeline/browser') as the client's storeRecovery";

/**
 * The connection-facing half of `MqttSession`: a base class rather than a second object,
 * so a session is still one object per client.
 */
export abstract class SessionLink {
  // `declare`: the constructor assigns these, so no class field need define them first (smaller bundle).
  /** The packet-id allocator shared by PUBLISH, SUBSCRIBE and UNSUBSCRIBE. */
  declare readonly packetIds: PacketIdAllocator;
  declare protected readonly options: ResolvedSessionOptions;
  declare protected readonly outbound: OutboundFlow;
  declare protected readonly subs: SubscriptionRegistry;
  readonly #inbound: InboundFlow;
  protected readonly topics = new TopicCache();
  declare protected currentMaxQos: QoS;
  /** The runtime's socket and event sink. */
  declare protected readonly io: SessionIO;
  protected connectedNow = false;

  /**
   * @param io - The runtime's socket and event sink.
   * @param options - Queue, window and QoS limits.
   * @param packetIds - The allocator to use.
   *   @default a new PacketIdAllocator()
   * @param recovery - What restores the session from `options.store` (`attachStore`); needed only
   *   with a store, and passed in so that a bundle without stores carries no recovery (spec R231).
   *   @default none: a `store` is then a `ConfigError`
   * @throws {@link ConfigError} when an option is invalid.
   */
  constructor(
    io: SessionIO,
    options?: SessionOptions,
    packetIds: PacketIdAllocator = new PacketIdAllocator(),
    recovery?: StoreRecovery,
  ) {
    this.io = io;
    this.options = resolveSessionOptions(options);
    this.currentMaxQos = this.options.maxQos;
    this.packetIds = packetIds;
    this.outbound = new OutboundFlow(packetIds, io, this.options);
    this.#inbound = new InboundFlow(io, this.options);
    // The registry reads `maxQos` from the session itself, rather than through a closure.
    this.subs = new SubscriptionRegistry(packetIds, io, this, this.options.maxFiltersPerSubscribe);
    const store = this.options.store;
    if (store !== undefined) {
      if (recovery === undefined) throw new ConfigError('store', NO_RECOVERY);
      const subs = this.subs;
      const log = recovery(store, {
        restoreOutbound: (messages, releasing) => this.outbound.state.restoreOutbound(messages, releasing),
        restoreInbound: (ids, prints) => this.#inbound.restoreInbound(ids, prints),
        restoreSubscription: (filter, qos) => subs.subscribe(filter, qos, undefined),
        restoreAnnex: (packetId, annex) => io.restoreAnnex?.(packetId, annex),
      });
      this.outbound.state.log = log;
      this.#inbound.log = log;
    }
  }

  /** The session's store log; `undefined` without a store. */
  protected get log(): SessionLog | undefined {
    return this.outbound.state.log;
  }

  /** True between `connected()` and `disconnected()`. */
  get isConnected(): boolean {
    return this.connectedNow;
  }

  /** True while messages from before the current connection are still unacknowledged. */
  get isReplaying(): boolean {
    return this.outbound.state.replaying;
  }

  /** The most filters one SUBSCRIBE carries (`maxFiltersPerSubscribe`, spec R164). */
  get maxFiltersPerSubscribe(): number {
    return this.options.maxFiltersPerSubscribe;
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
    return this.outbound.state.inflight.size;
  }

  /**
   * Window slots taken: QoS 1 messages awaiting PUBACK plus QoS 2 messages awaiting PUBCOMP
   * (spec R60); at most `maxInflight`.
   */
  get windowCount(): number {
    return this.outbound.state.windowCount;
  }

  /** The QoS 2 part of {@link SessionLink.windowCount}; at most `maxInflightQos2` (spec R160). */
  get windowQos2Count(): number {
    return this.outbound.state.windowQos2;
  }

  /**
   * Call right after CONNACK with return code 0. In order: re-sends PUBREL for outbound QoS 2
   * messages past PUBREC, sends UNSUBSCRIBEs made offline, re-subscribes every filter in
   * registration order, then replays queued QoS >= 1 publishes in order, up to `maxInflight` at
   * once. Emits `replay.done` when everything from before this connection is acknowledged
   * (at once if there was nothing).
   * @param sessionPresent - The CONNACK's session-present flag.
   * @param receiveMaximum - The broker's Receive Maximum (MQTT 5): the window is the smaller of it
   *   and `maxInflight` (spec R243).
   *   @default 65535 (the standard's, when the broker says nothing; MQTT 3.1.1 has none)
   */
  connected(sessionPresent: boolean, receiveMaximum = 65_535): void {
    if (this.connectedNow) this.disconnected();
    this.connectedNow = true;
    this.outbound.state.window = Math.min(this.options.maxInflight, receiveMaximum);
    this.#inbound.connected(sessionPresent);
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
    this.#inbound.disconnected();
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
        this.#inbound.receive(packet);
        return;
      // An MQTT 5 failure code (0x80 and above) refuses the publish (R244); 3.1.1 acks have none.
      case 'puback':
        if ((packet.reasonCode ?? 0) >= 0x80)
          this.outbound.onRefused(packet.messageId, 1, packet.reasonCode ?? 0);
        else this.outbound.onPuback(packet.messageId);
        return;
      case 'pubrec':
        if ((packet.reasonCode ?? 0) >= 0x80)
          this.outbound.onRefused(packet.messageId, 2, packet.reasonCode ?? 0);
        else this.outbound.onPubrec(packet.messageId);
        return;
      case 'pubcomp':
        this.outbound.onPubcomp(packet.messageId);
        return;
      case 'pubrel':
        this.#inbound.release(packet.messageId);
        return;
      case 'suback':
        this.subs.onSuback(packet.messageId, packet.granted);
        return;
      case 'unsuback':
        this.subs.onUnsuback(packet.messageId, packet.granted);
      // Other packets (CONNACK, PINGRESP) are the runtime's: nothing to do here.
    }
  }
}
