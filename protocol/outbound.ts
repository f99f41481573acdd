/**
 * The outbound half of the session for QoS >= 1: queueing, the in-flight window, acknowledgements
 * and the replay after a reconnect. QoS 0 never reaches this file (the session writes it directly).
 */
import { MessageDroppedError, type MqttError, NotConnectedError, SizeLimitError } from '../errors.js';
import { encodePublish, encodePubrel, publishSize } from './encode.js';
import type { OutboundMessage } from './offlineQueue.js';
import type { OutboundRefusals } from './outboundRefusals.js';
import { OutboundState } from './outboundState.js';
import type { PacketIdAllocator } from './packetIds.js';
import { fullReason, makeRoom } from './queueAdmission.js';
import {
  dropUnsent,
  type PublishCallback,
  type PublishResult,
  type ResolvedSessionOptions,
  type SessionIO,
  settle,
} from './sessionTypes.js';

/**
 * Outbound QoS >= 1 protocol: admission to the queue (bounds and overflow policy), reactions to
 * PUBACK/PUBREC/PUBCOMP, and the resume/replay around reconnects.
 */
export class OutboundFlow {
  // `declare`: the constructor assigns it, so no class field need define it first (smaller bundle).
  /** The message tables and the primitives that move them. */
  declare readonly state: OutboundState;

  /**
   * @param ids - The packet-id allocator shared with SUBSCRIBE/UNSUBSCRIBE.
   * @param io - Where packets and events go.
   * @param options - The session's resolved options.
   */
  constructor(ids: PacketIdAllocator, io: SessionIO, options: ResolvedSessionOptions) {
    this.state = new OutboundState(ids, io, options);
  }

  /**
   * Accepts a QoS >= 1 publish: sends it now if nothing is queued and the window has room, else
   * queues it. Topic and size must already be checked.
   *
   * @returns What happened to it.
   * @throws {@link MessageDroppedError} `QUEUE_FULL` when it does not fit and the policy is `reject`.
   */
  publish(
    topic: string,
    encodedTopic: Uint8Array,
    payload: Uint8Array | string,
    size: number,
    qos: 1 | 2,
    retain: boolean,
    done: PublishCallback | undefined,
  ): PublishResult {
    const s = this.state;
    // One message the queue could never hold: say so, rather than blame a full queue (R85).
    if (size > s.options.maxQueueBytes)
      throw new SizeLimitError('PAYLOAD_TOO_LARGE', size, s.options.maxQueueBytes, 'session.maxQueueBytes');
    // An MQTT 5 broker's CONNACK terms (R249, R253, R254); 3.1.1 has no `admit`.
    const admit = s.io.admit;
    if (admit !== undefined && s.connected) {
      // Before a packet id exists (0): the MQTT 5 properties of the publish count too (R305).
      const refusal = admit(publishSize(encodedTopic.length, size, qos), qos, retain, 0);
      if (refusal !== undefined) throw refusal;
    }
    if (!makeRoom(s, size)) return this.#refuse(topic, qos, done, fullReason(s, size));
    const packetId = s.allocate();
    if (packetId === 0) return this.#refuse(topic, qos, done, 'all 65535 packet ids are in use');
    const packet = encodePublish(encodedTopic, payload, qos, retain, false, packetId, size);
    // Arguments are evaluated only with a store: without one the runtime is not asked (R304).
    s.log?.accepted(packetId, packet, s.io.annex?.(packetId));
    const message: OutboundMessage = {
      packetId,
      topic,
      qos,
      size,
      packet,
      written: false,
      replay: false,
      done,
    };
    if (s.connected && s.pending.length === 0 && s.hasSlot()) {
      s.send(message);
      return this.#result(packetId, 'sent');
    }
    s.pending.push(message);
    return this.#result(packetId, 'queued');
  }

  /**
   * Handles a PUBACK. An unknown id, or the id of a QoS 2 message, is ignored: a late or
   * mistaken ack must not complete the wrong message.
   * @param id - The acknowledged packet id.
   */
  onPuback(id: number): void {
    const s = this.state;
    const m = s.inflight.get(id);
    if (m?.qos !== 1) return;
    s.land(m);
    s.ids.release(id);
    s.log?.complete(id);
    s.io.emit({ type: 'puback', packetId: id });
    settle(m.done, undefined, s.io);
    s.replayed(m.replay);
    s.drain();
  }

  /**
   * Handles a PUBREC: answers PUBREL and waits for PUBCOMP. A PUBREC for an unknown id (or a
   * repeated one) is answered with PUBREL too, so the broker can always finish its flow
   * [MQTT-4.3.3-1]; the PUBCOMP that follows is ignored. The message keeps its window slot until
   * PUBCOMP (spec R60): freeing it here would put the next PUBLISH in the PUBREL's segment, and a
   * broker with Nagle on (mosquitto's default) then holds its PUBREC behind the unanswered PUBCOMP
   * for a delayed ACK, ~40 ms per message.
   * @param id - The packet id.
   */
  onPubrec(id: number): void {
    const s = this.state;
    const m = s.inflight.get(id);
    // Recorded before PUBREL is written: after PUBCOMP the broker may reuse the id (spec R103).
    if (m?.qos === 2) s.log?.pubrec(id);
    s.io.write(encodePubrel(id));
    if (m?.qos !== 2) return;
    s.land(m);
    // The payload is no longer needed: from here on only the id is held (as in Mongoose).
    s.ownReleasing().set(id, { done: m.done, orphan: false, replay: m.replay });
    s.io.emit({ type: 'pubrec', packetId: id });
  }

  /**
   * Handles an MQTT 5 PUBACK or PUBREC with a failure reason code (spec R244), as the MQTT 5
   * profile's {@link OutboundRefusals} says (only MQTT 5 brokers refuse, R354).
   * @param id - The packet id.
   * @param qos - 1 for PUBACK, 2 for PUBREC.
   * @param reasonCode - The failure code (0x80 and above).
   */
  onRefused(id: number, qos: 1 | 2, reasonCode: number): void {
    this.state.io.refusals?.acked(this.state, id, qos, reasonCode);
  }

  /**
   * Handles a PUBCOMP, which frees the message's window slot; unknown ids are ignored.
   * @param id - The packet id.
   */
  onPubcomp(id: number): void {
    const s = this.state;
    const r = s.releasing.get(id);
    if (r === undefined) return;
    s.ownReleasing().delete(id);
    s.ids.release(id);
    s.log?.complete(id);
    if (r.orphan) {
      s.orphans--;
      return;
    }
    s.io.emit({ type: 'pubcomp', packetId: id });
    settle(r.done, undefined, s.io);
    s.replayed(r.replay);
    s.drain();
  }

  /**
   * First step after CONNACK. With the session present, re-sends PUBREL for every message that
   * got PUBREC [MQTT-4.4.0-1]. Without it, those messages count as delivered (the broker took them
   * at PUBREC), and with `onCleanSession: 'fail'` messages already written are dropped.
   * @param sessionPresent - The CONNACK's session-present flag.
   */
  resume(sessionPresent: boolean): void {
    const s = this.state;
    s.connected = true;
    if (sessionPresent) {
      for (const id of s.releasing.keys()) s.io.write(encodePubrel(id));
    } else {
      const released = [...s.releasing.values()];
      for (const id of s.releasing.keys()) {
        s.ids.release(id);
        s.log?.complete(id);
      }
      s.clearReleasing();
      for (const r of released) if (!r.orphan) settle(r.done, undefined, s.io);
      if (s.options.onCleanSession === 'fail') {
        const error = () => new MessageDroppedError('MESSAGE_DROPPED', 'the broker lost the session');
        for (const m of s.pending.removeWhere((p) => p.written)) s.discard(m, 'session-lost', error(), false);
      }
    }
    // R252: this broker's CONNACK terms (MQTT 5 only) drop the queued messages they refuse.
    const admit = s.io.admit;
    if (admit !== undefined) s.io.refusals?.queued(s, admit);
    // Orphans are left out: a broker that ignores their PUBREL must not stall the replay.
    let left = s.pending.length;
    for (const m of s.pending.toArray()) m.replay = true;
    for (const r of s.releasing.values()) {
      r.replay = !r.orphan;
      if (r.replay) left++;
    }
    s.replayLeft = left;
  }

  /** Second step after CONNACK (after the re-subscriptions): replays the queue up to the window. */
  startReplay(): void {
    const s = this.state;
    s.replaying = true;
    s.replayed(false);
    s.drain();
  }

  /**
   * The socket is gone. In-flight messages go back in front of the queue for the replay; with
   * `maxQueueLength: 0` they are dropped instead (reason `offline`).
   */
  disconnected(): void {
    const s = this.state;
    s.connected = false;
    s.replaying = false;
    const flying = [...s.inflight.values()];
    s.clearInflight();
    s.inflightBytes = 0;
    if (s.options.maxQueueLength > 0) s.pending.prepend(flying);
    else {
      const error = () =>
        new MessageDroppedError('MESSAGE_DROPPED', 'connection lost and the queue is disabled');
      for (const m of flying) s.discard(m, 'offline', error(), true);
    }
  }

  /**
   * The client stopped (spec R84): every message not yet completed ends now. Queued and in-flight
   * messages are dropped (reason `closed`) with `error`; a QoS 2 message past PUBREC completes
   * successfully (the broker has it) and only its id waits for the PUBREL of a later connection.
   * Call when disconnected.
   */
  abandon(error: () => MqttError): void {
    const s = this.state;
    for (const m of s.pending.removeWhere(() => true)) s.discard(m, 'closed', error(), true);
    for (const [id, r] of s.releasing) {
      if (r.orphan) continue;
      s.ownReleasing().set(id, { done: undefined, orphan: true, replay: false });
      s.orphans++;
      settle(r.done, undefined, s.io);
    }
  }

  /** Re-sends every in-flight PUBLISH (DUP = 1) and pending PUBREL, for an in-session retry (Mongoose does it on PINGRESP). */
  retransmit(): void {
    const s = this.state;
    if (!s.connected) return;
    for (const m of s.inflight.values()) {
      s.markDup(m);
      s.io.write(m.packet);
    }
    for (const id of s.releasing.keys()) s.io.write(encodePubrel(id));
  }

  #refuse(topic: string, qos: 1 | 2, done: PublishCallback | undefined, reason: string): PublishResult {
    const s = this.state;
    if (s.options.maxQueueLength === 0 && !s.connected) {
      dropUnsent(
        s.io,
        'offline',
        topic,
        qos,
        done,
        new NotConnectedError('not connected and the queue is disabled (session.maxQueueLength = 0)'),
      );
    } else if (s.options.overflow === 'reject') {
      throw new MessageDroppedError('QUEUE_FULL', `publish refused (overflow 'reject'): ${reason}`);
    } else {
      const error = new MessageDroppedError('QUEUE_FULL', `publish dropped (queue overflow): ${reason}`);
      dropUnsent(s.io, 'overflow', topic, qos, done, error);
    }
    return this.#result(0, 'dropped');
  }

  #result(packetId: number, disposition: PublishResult['disposition']): PublishResult {
    const io = this.state.io;
    return { packetId, disposition, writable: io.needsDrain?.() !== true };
  }
}
