/**
 * A fake runtime for {@link MqttSession} tests: records every written packet (parsed back with
 * mqtt-packet, which also proves each one is valid MQTT 3.1.1) and every event, and builds the
 * broker packets the session handles.
 */

import * as mqtt from 'mqtt-packet';
import type { InboundPacket } from '../../protocol/decoder.js';
import type { QoS } from '../../protocol/encode.js';
import { OUTBOUND_REFUSALS } from '../../protocol/outboundRefusals.js';
import {
  MqttSession,
  type SessionEvent,
  type SessionIO,
  type SessionOptions,
} from '../../protocol/session.js';
import { attachStore } from '../../protocol/sessionLog.js';

/** A session wired to recording I/O. */
export interface SessionHarness {
  /** The session under test. */
  readonly session: MqttSession;
  /** Every packet written so far, parsed. */
  readonly written: mqtt.Packet[];
  /** Every event emitted so far. */
  readonly events: SessionEvent[];
  /** What `bufferedBytes()` reports. */
  buffered: number;
  /** Returns and forgets the packets written since the last call. */
  take(): mqtt.Packet[];
  /** Returns and forgets the events emitted since the last call. */
  takeEvents(): SessionEvent[];
}

/**
 * Builds a session whose writes are parsed as they happen; a write that is not exactly one or more
 * whole, valid MQTT 3.1.1 packets throws.
 * @param options - The session's options.
 * @param extra - More of the session's I/O (e.g. `callbackError`).
 * @returns The harness.
 */
export function createHarness(options?: SessionOptions, extra: Partial<SessionIO> = {}): SessionHarness {
  const written: mqtt.Packet[] = [];
  const events: SessionEvent[] = [];
  let seen = 0;
  let seenEvents = 0;
  const parser = mqtt.parser({ protocolVersion: 4 });
  let parseError: Error | undefined;
  parser.on('packet', (p) => written.push(p));
  parser.on('error', (e) => {
    parseError = e;
  });
  const harness: SessionHarness = {
    session: undefined as unknown as MqttSession,
    written,
    events,
    buffered: 0,
    take() {
      const out = written.slice(seen);
      seen = written.length;
      return out;
    },
    takeEvents() {
      const out = events.slice(seenEvents);
      seenEvents = events.length;
      return out;
    },
  };
  const io = {
    write(bytes: Uint8Array): void {
      const left = parser.parse(Buffer.from(bytes));
      if (parseError) throw parseError;
      if (left !== 0) throw new Error(`write left ${left} bytes of an incomplete packet`);
    },
    emit(event: SessionEvent): void {
      events.push(event);
    },
    bufferedBytes: () => harness.buffered,
    // What the MQTT 5 profile supplies (R354): the session tests feed it MQTT 5 refusals too.
    refusals: OUTBOUND_REFUSALS,
    ...extra,
  };
  (harness as { session: MqttSession }).session = new MqttSession(io, options, undefined, attachStore);
  return harness;
}

/**
 * A harness whose session is connected (no session present), with the connect's own packets and
 * events already taken, so a test sees only what it causes.
 * @param options - The session's options.
 * @returns The harness.
 */
export function connectedHarness(options?: SessionOptions): SessionHarness {
  const h = createHarness(options);
  h.session.connected(false);
  h.take();
  h.takeEvents();
  return h;
}

/** Broker packets, typed as the decoder emits them. */
export const broker = {
  puback: (messageId: number): InboundPacket => ({ cmd: 'puback', messageId }),
  pubrec: (messageId: number): InboundPacket => ({ cmd: 'pubrec', messageId }),
  pubrel: (messageId: number): InboundPacket => ({ cmd: 'pubrel', messageId }),
  pubcomp: (messageId: number): InboundPacket => ({ cmd: 'pubcomp', messageId }),
  suback: (messageId: number, ...granted: number[]): InboundPacket => ({ cmd: 'suback', messageId, granted }),
  unsuback: (messageId: number): InboundPacket => ({ cmd: 'unsuback', messageId, granted: [] }),
  publish: (topic: string, payload: string, qos: QoS, messageId?: number, dup = false): InboundPacket => ({
    cmd: 'publish',
    topic,
    payload: Buffer.from(payload),
    qos,
    dup,
    retain: false,
    ...(messageId === undefined ? {} : { messageId }),
  }),
};

/** The PUBLISH packets among `packets`. */
export function publishes(packets: readonly mqtt.Packet[]): mqtt.IPublishPacket[] {
  return packets.filter((p): p is mqtt.IPublishPacket => p.cmd === 'publish');
}

/** A compact description of packets, for order assertions: `publish:7:dup`, `pubrel:3`, ... */
export function describePackets(packets: readonly mqtt.Packet[]): string[] {
  return packets.map((p) => {
    if (p.cmd === 'publish') return `publish:${p.messageId ?? 0}${p.dup ? ':dup' : ''}:${p.topic}`;
    if (p.cmd === 'subscribe')
      return `subscribe:${p.subscriptions.map((s) => `${s.topic}@${s.qos}`).join(',')}`;
    if (p.cmd === 'unsubscribe') return `unsubscribe:${p.unsubscriptions.join(',')}`;
    return `${p.cmd}:${p.messageId ?? ''}`;
  });
}
