/**
 * The outbound half of the session for QoS >= 1: queueing, the in-flight window, acknowledgements
 * and the replay after a reconnect. QoS 0 never reaches this file (the session writes it directly).
 */
import { MessageDroppedError, type MqttError, NotConnectedError, SizeLimitError } from '../errors.js';
import { encodePublish, encodePubrel } from './encode.js';
import type { OutboundMessage } from './offlineQueue.js';
import { OutboundState } from './outboundState.js';
import { type PublishCallback, type PublishResult, settle } from './sessionTypes.js';

/**
 * Outbound QoS >= 1 protocol: admission to the queue (bounds and overflow policy), reactions to
 * PUBACK/PUBREC/PUBCOMP, and the resume/replay around reconnects.
 */
export class OutboundFlow extends OutboundState {
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
    // One message the queue could never hold: say so, rather than blame a full queue (R85).
    if (size > this.options.maxQueueBytes)
      throw new SizeLimitError(
        'PAYLOAD_TOO_LARGE',
        size,
        this.options.maxQueueBytes,
        'session.maxQueueBytes',
      );
    if (!this.makeRoom(size)) return this.refuse(topic, qos, done, this.fullReason(size));
    const packetId = this.allocate();
    if (packetId === 0) return this.refuse(topic, qos, done, 'all 65535 packet ids are in use');
    const packet = encodePublish(encodedTopic, payload, qos, retain, false, packetId, size);
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
    if (this.connected && this.pending.length === 0 && this.hasSlot()) {
      this.send(message);
      return { packetId, disposition: 'sent' };
    }
    this.pending.push(message);
    return { packetId, disposition: 'queued' };
  }

  /**
   * Handles a PUBACK. An unknown id, or the id of a QoS 2 message, is ignored: a late or
   * mistaken ack must not complete the wrong message.
   * @param id - The acknowledged packet id.
   */
  onPuback(id: number): void {
    const m = this.inflight.get(id);
    if (m === undefined || m.qos !== 1) return;
    this.ownInflight().delete(id);
    this.inflightBytes -= m.size;
    this.ids.release(id);
    this.io.emit({ type: 'puback', packetId: id });
    settle(m.done, undefined, this.io);
    this.replayed(m.replay);
    this.drain();
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
    this.io.write(encodePubrel(id));
    const m = this.inflight.get(id);
    if (m === undefined || m.qos !== 2) return;
    this.ownInflight().delete(id);
    this.inflightBytes -= m.size;
    // The payload is no longer needed: from here on only the id is held (as in Mongoose).
    this.ownReleasing().set(id, { done: m.done, orphan: false, replay: m.replay });
    this.io.emit({ type: 'pubrec', packetId: id });
  }

  /**
   * Handles a PUBCOMP, which frees the message's window slot; unknown ids are ignored.
   * @param id - The packet id.
   */
  onPubcomp(id: number): void {
    const r = this.releasing.get(id);
    if (r === undefined) return;
    this.ownReleasing().delete(id);
    this.ids.release(id);
    if (r.orphan) {
      this.orphans--;
      return;
    }
    this.io.emit({ type: 'pubcomp', packetId: id });
    settle(r.done, undefined, this.io);
    this.replayed(r.replay);
    this.drain();
  }

  /**
   * First step after CONNACK. With the session present, re-sends PUBREL for every message that
   * got PUBREC [MQTT-4.4.0-1]. Without it, those messages count as delivered (the broker took them
   * at PUBREC), and with `onCleanSession: 'fail'` messages already written are dropped.
   * @param sessionPresent - The CONNACK's session-present flag.
   */
  resume(sessionPresent: boolean): void {
    this.connected = true;
    if (sessionPresent) {
      for (const id of this.releasing.keys()) this.io.write(encodePubrel(id));
    } else {
      const released = [...this.releasing.values()];
      for (const id of this.releasing.keys()) this.ids.release(id);
      this.clearReleasing();
      for (const r of released) if (!r.orphan) settle(r.done, undefined, this.io);
      if (this.options.onCleanSession === 'fail') {
        const error = () => new MessageDroppedError('MESSAGE_DROPPED', 'the broker lost the session');
        for (const m of this.pending.removeWhere((p) => p.written))
          this.discard(m, 'session-lost', error(), false);
      }
    }
    // Orphans are left out: a broker that ignores their PUBREL must not stall the replay.
    let left = this.pending.length;
    for (const m of this.pending.toArray()) m.replay = true;
    for (const r of this.releasing.values()) {
      r.replay = !r.orphan;
      if (r.replay) left++;
    }
    this.replayLeft = left;
  }

  /** Second step after CONNACK (after the re-subscriptions): replays the queue up to the window. */
  startReplay(): void {
    this.replaying = true;
    this.replayed(false);
    this.drain();
  }

  /**
   * The socket is gone. In-flight messages go back in front of the queue for the replay; with
   * `maxQueueLength: 0` they are dropped instead (reason `offline`).
   */
  disconnected(): void {
    this.connected = false;
    this.replaying = false;
    const flying = [...this.inflight.values()];
    this.clearInflight();
    this.inflightBytes = 0;
    if (this.options.maxQueueLength > 0) this.pending.prepend(flying);
    else {
      const error = () =>
        new MessageDroppedError('MESSAGE_DROPPED', 'connection lost and the queue is disabled');
      for (const m of flying) this.discard(m, 'offline', error(), true);
    }
  }

  /**
   * The client stopped (spec R84): every message not yet completed ends now. Queued and in-flight
   * messages are dropped (reason `closed`) with `error`; a QoS 2 message past PUBREC completes
   * successfully (the broker has it) and only its id waits for the PUBREL of a later connection.
   * Call when disconnected.
   */
  abandon(error: () => MqttError): void {
    for (const m of this.pending.removeWhere(() => true)) this.discard(m, 'closed', error(), true);
    for (const [id, r] of this.releasing) {
      if (r.orphan) continue;
      this.ownReleasing().set(id, { done: undefined, orphan: true, replay: false });
      settle(r.done, undefined, this.io);
    }
  }

  /** Re-sends every in-flight PUBLISH (DUP = 1) and pending PUBREL, for an in-session retry (Mongoose does it on PINGRESP). */
  retransmit(): void {
    if (!this.connected) return;
    for (const m of this.inflight.values()) {
      this.markDup(m);
      this.io.write(m.packet);
    }
    for (const id of this.releasing.keys()) this.io.write(encodePubrel(id));
  }

  private fits(size: number): boolean {
    const { maxQueueLength, maxQueueBytes } = this.options;
    return this.queueLength < maxQueueLength && this.queueBytes + size <= maxQueueBytes;
  }

  /** Makes room for a new message of `size` bytes, evicting queued ones under `drop-oldest`. */
  private makeRoom(size: number): boolean {
    const { maxQueueLength, maxQueueBytes } = this.options;
    if (maxQueueLength === 0) {
      return this.connected && this.hasSlot() && this.inflightBytes + size <= maxQueueBytes;
    }
    if (this.fits(size)) return true;
    if (this.options.overflow !== 'drop-oldest') return false;
    // In-flight messages are never evicted (their ids are live on this connection), so check
    // first that evicting every queued message would be enough, and evict nothing in vain.
    if (this.inflight.size >= maxQueueLength || this.inflightBytes + size > maxQueueBytes) return false;
    const why = `dropped to make room for a newer message (overflow 'drop-oldest'): ${this.fullReason(size)}`;
    while (!this.fits(size)) {
      const oldest = this.pending.shift();
      if (oldest === undefined) break;
      this.discard(oldest, 'overflow', new MessageDroppedError('QUEUE_FULL', why), true);
    }
    return true;
  }

  /** Which bound a message of `size` bytes does not fit in, with the option that sets it. */
  private fullReason(size: number): string {
    const { maxQueueLength, maxQueueBytes, maxInflight } = this.options;
    if (maxQueueLength === 0) {
      if (this.inflight.size >= maxInflight)
        return `the queue is disabled (session.maxQueueLength = 0) and the in-flight window is full (session.maxInflight = ${maxInflight})`;
      return `the queue is disabled (session.maxQueueLength = 0) and ${this.inflightBytes} bytes in flight + ${size} exceed session.maxQueueBytes = ${maxQueueBytes}`;
    }
    if (this.queueLength >= maxQueueLength)
      return `the queue holds session.maxQueueLength = ${maxQueueLength} messages`;
    return `${this.queueBytes} bytes queued + ${size} exceed session.maxQueueBytes = ${maxQueueBytes}`;
  }

  private refuse(
    topic: string,
    qos: 1 | 2,
    done: PublishCallback | undefined,
    reason: string,
  ): PublishResult {
    if (this.options.maxQueueLength === 0 && !this.connected) {
      this.io.emit({ type: 'drop', reason: 'offline', topic, packetId: 0, qos });
      settle(
        done,
        new NotConnectedError('not connected and the queue is disabled (session.maxQueueLength = 0)'),
        this.io,
      );
    } else if (this.options.overflow === 'reject') {
      throw new MessageDroppedError('QUEUE_FULL', `publish refused (overflow 'reject'): ${reason}`);
    } else {
      this.io.emit({ type: 'drop', reason: 'overflow', topic, packetId: 0, qos });
      settle(
        done,
        new MessageDroppedError('QUEUE_FULL', `publish dropped (queue overflow): ${reason}`),
        this.io,
      );
    }
    return { packetId: 0, disposition: 'dropped' };
  }
}
