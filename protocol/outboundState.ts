/**
 * The state of outbound QoS >= 1 messages and the primitives that move them (send, drain, drop,
 * replay accounting): one object, owned by `OutboundFlow` (`outbound.ts`), which holds the
 * protocol reactions built on it. Internal to the session.
 */
import type { MqttError } from '../errors.js';
import { encodePubrel, withDup } from './encode.js';
import { OfflineQueue, type OutboundMessage } from './offlineQueue.js';
import type { PacketIdAllocator } from './packetIds.js';
import type { SessionLog } from './sessionLog.js';
import {
  type DropReason,
  type PublishCallback,
  type ResolvedSessionOptions,
  type SessionIO,
  settle,
} from './sessionTypes.js';

/** A QoS 2 message past PUBREC: only its id is held, until PUBCOMP. */
export interface Releasing {
  /** The message's completion callback. */
  readonly done: PublishCallback | undefined;
  /** An id released on behalf of a dropped message (see `discard`); it has no caller to notify. */
  readonly orphan: boolean;
  /** Whether it predates the current connection (counted by the replay). */
  replay: boolean;
}

// Stands in for a session's empty message tables: shared by every session and never written to
// (writes go through `#ownInflight` / `ownReleasing`), so an idle session holds no hash tables.
const NONE: ReadonlyMap<number, never> = new Map<number, never>();

/**
 * Outbound QoS >= 1 bookkeeping, owned by `OutboundFlow`. Every message lives in exactly one place: `pending` (not on the
 * current wire, publish order), `inflight` (written on this connection, awaiting PUBACK/PUBREC)
 * or `releasing` (PUBREC received, awaiting PUBCOMP). Every in-flight message is older than every
 * pending one, because sends always take the head of `pending` and a new publish skips the queue
 * only when it is empty; so on a disconnect the in-flight messages go back in front, in order.
 */
export class OutboundState {
  /** Messages not on the current wire, in publish order. */
  readonly pending = new OfflineQueue();
  /** Messages written on this connection awaiting PUBACK/PUBREC, in send (= publish) order. */
  inflight: ReadonlyMap<number, OutboundMessage> = NONE;
  /** QoS 2 ids awaiting PUBCOMP. */
  releasing: ReadonlyMap<number, Releasing> = NONE;
  /** Payload bytes of `inflight`. */
  inflightBytes = 0;
  /** QoS 2 messages in `inflight` (awaiting PUBREC): with `releasing`, the QoS 2 window (R160). */
  inflightQos2 = 0;
  /** Entries of `releasing` that are orphans (no message, so no window slot). */
  orphans = 0;
  /**
   * The window in effect (spec R60, R243): `maxInflight`, or the broker's Receive Maximum when it
   * is smaller (MQTT 5). Set on every CONNACK.
   */
  declare window: number;
  /** Whether a connection is up. */
  connected = false;
  /** Whether the replay of messages from before this connection is still running. */
  replaying = false;
  /** How many messages from before this connection are not yet acknowledged or dropped. */
  replayLeft = 0;
  /** Records the flow's events when the session has a store (spec R100-R115). */
  log: SessionLog | undefined;

  /**
   * @param ids - The packet-id allocator shared with SUBSCRIBE/UNSUBSCRIBE.
   * @param io - Where packets and events go.
   * @param options - The session's resolved options.
   */
  constructor(ids: PacketIdAllocator, io: SessionIO, options: ResolvedSessionOptions) {
    this.ids = ids;
    this.io = io;
    this.options = options;
    this.window = options.maxInflight;
  }

  // `declare`: the constructor assigns these, so no class field need define them first (smaller bundle).
  /** The packet-id allocator shared with SUBSCRIBE/UNSUBSCRIBE. */
  declare readonly ids: PacketIdAllocator;
  /** Where packets and events go. */
  declare readonly io: SessionIO;
  /** The session's resolved options. */
  declare readonly options: ResolvedSessionOptions;

  /** Messages held against `maxQueueLength`: queued plus in flight awaiting PUBACK/PUBREC. */
  get queueLength(): number {
    return this.pending.length + this.inflight.size;
  }

  /** Payload bytes of queued and in-flight messages. */
  get queueBytes(): number {
    return this.pending.bytes + this.inflightBytes;
  }

  /**
   * Window slots taken (spec R60): messages awaiting PUBACK (QoS 1) or PUBCOMP (QoS 2, past
   * PUBREC too, as MQTT 5's Receive Maximum counts). Orphaned ids hold no slot.
   */
  get windowCount(): number {
    return this.inflight.size + this.releasing.size - this.orphans;
  }

  /** `inflight` for writing, made on first use. */
  #ownInflight(): Map<number, OutboundMessage> {
    if (this.inflight === NONE) this.inflight = new Map();
    return this.inflight as Map<number, OutboundMessage>;
  }

  /** `releasing` for writing, made on first use. */
  ownReleasing(): Map<number, Releasing> {
    if (this.releasing === NONE) this.releasing = new Map();
    return this.releasing as Map<number, Releasing>;
  }

  /** Empties `inflight`, letting its table go. */
  clearInflight(): void {
    this.inflight = NONE;
    this.inflightQos2 = 0;
  }

  /**
   * Takes a message out of `inflight` (on its PUBACK or PUBREC).
   * @param m - A message in flight.
   */
  land(m: OutboundMessage): void {
    this.#ownInflight().delete(m.packetId);
    this.inflightBytes -= m.size;
    if (m.qos === 2) this.inflightQos2--;
  }

  /** QoS 2 window slots taken (spec R160): awaiting PUBREC or PUBCOMP; orphaned ids hold none. */
  get windowQos2(): number {
    return this.inflightQos2 + this.releasing.size - this.orphans;
  }

  /** Empties `releasing`, letting its table go. */
  clearReleasing(): void {
    this.releasing = NONE;
    this.orphans = 0;
  }

  /**
   * Whether the window has a free slot for one more QoS >= 1 PUBLISH (spec R60): fewer than
   * `window` (`maxInflight`, or the broker's Receive Maximum below it: R243) QoS 1 and 2 messages
   * together, and fewer than `maxInflightQos2` QoS 2 ones (spec R160). The second bound holds for
   * QoS 1 too: a stock mosquitto counts a 3.1.1 client's QoS 2 messages awaiting PUBREL against
   * one receive quota (`max_inflight_messages`, 20), and a PUBLISH of either QoS that finds it
   * used up is acknowledged and discarded (spec R160, R227).
   */
  hasSlot(): boolean {
    if (this.inflight.size + this.releasing.size - this.orphans >= this.window) return false;
    return this.windowQos2 < this.options.maxInflightQos2;
  }

  /**
   * Takes the next free packet id.
   * @returns The id, or 0 when all 65535 are held (the caller treats it as overflow).
   */
  allocate(): number {
    try {
      return this.ids.next();
    } catch {
      return 0;
    }
  }

  /**
   * Writes a message and moves it in flight.
   * @param m - A message not in flight.
   */
  send(m: OutboundMessage): void {
    // DUP = 1 exactly when this id was already written to some socket [MQTT-3.3.1-1].
    if (m.written) this.markDup(m);
    else this.log?.sent(m.packetId);
    m.written = true;
    this.#ownInflight().set(m.packetId, m);
    this.inflightBytes += m.size;
    if (m.qos === 2) this.inflightQos2++;
    this.io.write(m.packet);
  }

  /**
   * Gives a message its DUP = 1 packet (a copy: the transport may still hold the first one).
   * @param m - A message already written once.
   */
  markDup(m: OutboundMessage): void {
    if (((m.packet[0] ?? 0) & 0x08) === 0) m.packet = withDup(m.packet);
  }

  /**
   * Sends queued messages, oldest first, while the window has room for the oldest: a QoS 2
   * message waiting for a QoS 2 slot holds back the QoS 1 messages behind it, so publish order
   * is kept (spec R161).
   */
  drain(): void {
    while (this.connected) {
      const m = this.pending.peek();
      if (m === undefined || !this.hasSlot()) return;
      this.pending.shift();
      // R291: a message whose MQTT 5 Message Expiry Interval passed in the queue is not sent.
      const expired = this.io.expired?.(m.packetId);
      if (expired === undefined) this.send(m);
      else this.discard(m, 'expired', expired, true);
    }
  }

  /**
   * Drops a message that is not in flight. A QoS 2 message already written may be held by the
   * broker awaiting PUBREL; reusing its id would make the broker discard the next message with it
   * as a duplicate, so while the session lives the id goes through PUBREL/PUBCOMP first.
   * @param m - The message.
   * @param reason - For the `drop` event.
   * @param error - For its callback.
   * @param keepSession - False when the broker's session is gone (no PUBREL needed).
   */
  discard(m: OutboundMessage, reason: DropReason, error: MqttError, keepSession: boolean): void {
    if (keepSession && m.written && m.qos === 2) {
      this.log?.pubrec(m.packetId);
      this.ownReleasing().set(m.packetId, { done: undefined, orphan: true, replay: false });
      this.orphans++;
      if (this.connected) this.io.write(encodePubrel(m.packetId));
    } else {
      this.log?.drop(m.packetId);
      this.ids.release(m.packetId);
    }
    this.io.emit({ type: 'drop', reason, topic: m.topic, packetId: m.packetId, qos: m.qos });
    settle(m.done, error, this.io);
    this.replayed(m.replay);
  }

  /**
   * Takes over a session restored from its store (spec R110): `messages` queued in publish order,
   * `releasing` ids owing PUBREL; every id is held.
   * @param messages - Restored messages, oldest first.
   * @param releasing - Restored QoS 2 ids past PUBREC.
   */
  restoreOutbound(messages: OutboundMessage[], releasing: number[]): void {
    for (const m of messages) {
      this.ids.hold(m.packetId);
      this.pending.push(m);
    }
    for (const id of releasing) {
      this.ids.hold(id);
      this.ownReleasing().set(id, { done: undefined, orphan: false, replay: false });
    }
  }

  /**
   * Counts one message as finished for the replay; emits `replay.done` when none is left.
   * @param wasReplay - Whether the message predates the connection.
   */
  replayed(wasReplay: boolean): void {
    if (!this.replaying) return;
    if (wasReplay) this.replayLeft--;
    if (this.replayLeft > 0) return;
    this.replaying = false;
    this.io.emit({ type: 'replay.done' });
  }
}
