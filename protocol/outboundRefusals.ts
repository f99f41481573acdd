/**
 * What an MQTT 5 broker's refusals do to the outbound QoS >= 1 flow (spec R244, R252): a PUBACK or
 * PUBREC with a failure reason code ends its publish, and a CONNACK's terms drop the queued
 * messages they refuse. Only MQTT 5 brokers refuse either way, so the MQTT 5 profile supplies this
 * to the session (`SessionIO.refusals`), and a 3.1.1-only bundle carries none of it (R354).
 * Internal: not in the index.
 *
 * @module
 */
import { type MqttError, PublishRefusedError, SubscribeError, UnsubscribeError } from '../errors.js';
import type { OutboundMessage } from './offlineQueue.js';
import type { OutboundState } from './outboundState.js';
import { type SessionIO, settle } from './sessionTypes.js';

/**
 * The outbound flow's answers to an MQTT 5 broker's refusals (`SessionIO.refusals`, whose state
 * argument is the session's {@link OutboundState}; typed there without it, so that the session's
 * types import nothing of this module):
 * - `acked(s, id, qos, reasonCode)`: a PUBACK or PUBREC with a failure reason code (R244): the
 *   broker did not take the message and the flow ends there (no PUBREL [4.3.3]). The message is
 *   dropped (event `drop`, reason `refused`) and its callback gets a `PublishRefusedError` naming
 *   the code; its id and window slot are free. An unknown id, or an ack of the other QoS, is ignored.
 * - `queued(s, admit)`: drops every queued message this broker's CONNACK terms refuse (R252): too
 *   large for its Maximum Packet Size, above its Maximum QoS, retained when it has no retain. Each
 *   gets the typed error (event `drop`, reason `refused`), rather than a resend the broker would
 *   answer by closing the connection, again on every connection.
 * - `subscribe(io, id, filter, code)`: a SUBACK code above 0x80: its event and the
 *   `SubscribeError` naming it (R245); 3.1.1's only failure is 0x80 (R360).
 * - `unsubscribe(io, id, filter, code)`: an UNSUBACK with a non-zero reason code: its event, and
 *   for 0x80 or above an `UnsubscribeError` naming it (R245); only MQTT 5's UNSUBACK has codes (R360).
 */
export type OutboundRefusals = NonNullable<SessionIO['refusals']>;

/** The one {@link OutboundRefusals}, which the MQTT 5 profile hands to the session. */
export const OUTBOUND_REFUSALS: OutboundRefusals = Object.freeze({
  subscribe(io: SessionIO, id: number, filter: string, reasonCode: number): SubscribeError {
    const reason = io.reasonName?.(reasonCode, 'SUBACK');
    io.emit(
      reason === undefined
        ? { type: 'suback', packetId: id, filter, granted: null, reasonCode }
        : { type: 'suback', packetId: id, filter, granted: null, reasonCode, reason },
    );
    return new SubscribeError(filter, reasonCode, reason);
  },
  unsubscribe(io: SessionIO, id: number, filter: string, reasonCode: number): MqttError | undefined {
    const reason = io.reasonName?.(reasonCode, 'UNSUBACK');
    io.emit(
      reason === undefined
        ? { type: 'unsuback', packetId: id, filter, reasonCode }
        : { type: 'unsuback', packetId: id, filter, reasonCode, reason },
    );
    return reasonCode >= 0x80 ? new UnsubscribeError(filter, reasonCode, reason) : undefined;
  },
  acked(state: unknown, id: number, qos: 1 | 2, reasonCode: number): void {
    const s = state as OutboundState;
    const m = s.inflight.get(id);
    if (m === undefined || m.qos !== qos) return;
    // `land` frees its QoS 2 slot too: a refused QoS 2 publish holding one would shrink the window.
    s.land(m);
    s.ids.release(id);
    s.log?.complete(id);
    s.io.emit({ type: 'drop', reason: 'refused', topic: m.topic, packetId: id, qos });
    const packet = qos === 1 ? 'PUBACK' : 'PUBREC';
    const error = new PublishRefusedError(
      reasonCode,
      `the broker refused the publish to ${JSON.stringify(m.topic)}: ${packet} ${s.io.reasonName?.(reasonCode, packet) ?? 'failure'} (reason code 0x${reasonCode.toString(16).toUpperCase()})`,
    );
    settle(m.done, error, s.io);
    s.replayed(m.replay);
    s.drain();
  },
  queued(state: unknown, admit: NonNullable<SessionIO['admit']>): void {
    const s = state as OutboundState;
    const check = (m: OutboundMessage) =>
      admit(m.packet.length, m.qos, ((m.packet[0] as number) & 1) === 1, m.packetId);
    for (const m of s.pending.removeWhere((m) => check(m) !== undefined)) {
      s.discard(m, 'refused', check(m) as MqttError, true);
    }
  },
});
