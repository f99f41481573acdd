/**
 * The inbound half of the session: acknowledging PUBLISH packets from the broker and delivering
 * QoS 2 exactly once.
 */
import type { InboundPublish } from './decoder.js';
import { encodePuback, encodePubcomp, encodePubrec } from './encode.js';
import type { SessionLog } from './sessionLog.js';
import type { SessionIO } from './sessionTypes.js';

/**
 * Receives PUBLISH and PUBREL. Decisions: every QoS 1 message is acknowledged after delivery,
 * matched by a subscription or not (Mongoose leaves unmatched ones unacknowledged, so a broker
 * with a persistent session redelivers them forever); QoS 2 uses MQTT 3.1.1 method B, storing the
 * id until PUBREL so a repeated PUBLISH is acknowledged but not delivered again.
 */
export class InboundFlow {
  /**
   * Ids of QoS 2 messages delivered and awaiting PUBREL; bounded by the id space (65535). Made on
   * the first such message (and forgotten with the session): most sessions never receive QoS 2.
   */
  private awaitingRelease: Set<number> | undefined;
  /** Records delivered and released ids when the session has a store (spec R100-R115). */
  log: SessionLog | undefined = undefined;

  /** @param io - Where acks and `message` events go. */
  constructor(private readonly io: SessionIO) {}

  /** How many inbound QoS 2 ids await PUBREL. */
  get awaitingReleaseCount(): number {
    return this.awaitingRelease?.size ?? 0;
  }

  /**
   * Delivers (emits `message`) and acknowledges one PUBLISH.
   * @param p - A validated PUBLISH.
   */
  receive(p: InboundPublish): void {
    const id = p.messageId ?? 0;
    if (p.qos === 2) {
      // Exactly once: a repeated PUBLISH before PUBREL gets PUBREC again but is not delivered.
      this.awaitingRelease ??= new Set();
      const awaiting = this.awaitingRelease;
      if (!awaiting.has(id)) {
        awaiting.add(id);
        this.deliver(p);
        // After delivery and before PUBREC: a crash in between redelivers rather than loses (R108).
        this.log?.inbound(id);
      }
      this.io.write(encodePubrec(id));
      return;
    }
    this.deliver(p);
    if (p.qos === 1) this.io.write(encodePuback(id));
  }

  /**
   * Handles a PUBREL: forgets the id and answers PUBCOMP, also for unknown ids so the broker can
   * always finish its flow [MQTT-4.3.3-1].
   * @param id - The packet id.
   */
  release(id: number): void {
    const held = this.awaitingRelease?.delete(id) === true;
    if (held) this.log?.release(id);
    this.io.write(encodePubcomp(id));
  }

  /**
   * Forgets every id awaiting PUBREL, when a CONNACK says the session is new: the broker will
   * send no PUBREL for them, and a stale id would swallow the next QoS 2 message that reuses it.
   */
  forgetSession(): void {
    if (this.awaitingRelease !== undefined) this.log?.forget();
    this.awaitingRelease = undefined;
  }

  /**
   * Holds ids restored from a store: their PUBLISH was delivered before the process restarted (R108).
   * @param ids - Inbound QoS 2 ids awaiting PUBREL.
   */
  restoreInbound(ids: Iterable<number>): void {
    for (const id of ids) {
      this.awaitingRelease ??= new Set();
      this.awaitingRelease.add(id);
    }
  }

  private deliver(p: InboundPublish): void {
    this.io.emit({
      type: 'message',
      topic: p.topic,
      payload: p.payload,
      qos: p.qos,
      retain: p.retain,
      dup: p.dup,
      packetId: p.messageId ?? 0,
    });
  }
}
