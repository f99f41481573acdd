/**
 * Issue 14: the receive path copies a QoS 0 payload no more under MQTT 5 than under 3.1.1. A
 * PUBLISH that lies whole in one socket chunk reaches the session's `message` event as a view of
 * that chunk's memory (no copy at all); one split across chunks is assembled once, by the framer
 * both versions share. Both profiles' decoders feed a real session here.
 */
import { describe, expect, it } from 'vitest';
import { encodePublish } from '../protocol/encode.js';
import type { SessionEvent } from '../protocol/session.js';
import { encodePublishV5 } from '../protocol/v5/encode.js';
import { connectedHarness } from '../test/support/sessionHarness.js';
import { V4_PROFILE, type WireProfile } from './profile.js';
import { V5_PROFILE } from './profileV5.js';

type Message = Extract<SessionEvent, { type: 'message' }>;

/** Pushes `chunks` through `profile`'s decoder into a connected session; the messages it emitted. */
function receive(profile: WireProfile, chunks: readonly Uint8Array[]): Message[] {
  const h = connectedHarness();
  const errors: Error[] = [];
  const decoder = profile.decoder({
    maxPacketBytes: 1 << 20,
    onPacket: (packet) => {
      if (packet.cmd === 'publish') h.session.handle(packet);
      else errors.push(new Error(`unexpected ${packet.cmd}`));
    },
    onError: (error) => errors.push(error),
  });
  for (const chunk of chunks) decoder.push(chunk);
  expect(errors).toEqual([]);
  return h.takeEvents().filter((e): e is Message => e.type === 'message');
}

/** A socket chunk: two packets back to back, in a buffer of their own with some bytes before them. */
function chunkOf(packets: readonly Uint8Array[]): Uint8Array {
  const total = packets.reduce((n, p) => n + p.length, 0);
  const backing = new Uint8Array(total + 16);
  let at = 16;
  for (const p of packets) {
    backing.set(p, at);
    at += p.length;
  }
  return backing.subarray(16);
}

const payload = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
const encoders: Record<4 | 5, (topic: string) => Uint8Array> = {
  4: (topic) => encodePublish(topic, payload, 0, false, false, 0),
  5: (topic) => encodePublishV5(topic, payload, 0, false, false, 0),
};

describe('receive path: QoS 0 payloads are not copied (R334)', () => {
  for (const profile of [V4_PROFILE, V5_PROFILE]) {
    it(`MQTT ${profile.version === 4 ? '3.1.1' : '5'}: whole packets in one chunk arrive as views of the chunk`, () => {
      const encode = encoders[profile.version];
      const chunk = chunkOf([encode('a/b'), encode('c/d')]);
      const messages = receive(profile, [chunk]);
      expect(messages.map((m) => m.topic)).toEqual(['a/b', 'c/d']);
      for (const m of messages) {
        // The same memory as the socket chunk, inside its bounds: nothing was copied.
        expect(m.payload.buffer).toBe(chunk.buffer);
        expect(m.payload.byteOffset).toBeGreaterThanOrEqual(chunk.byteOffset);
        expect(m.payload.byteOffset + m.payload.length).toBeLessThanOrEqual(chunk.byteOffset + chunk.length);
        expect([...m.payload]).toEqual([...payload]);
      }
      // The second message's payload starts where its bytes are in the chunk.
      const second = messages[1] as Message;
      const end = chunk.byteOffset + chunk.length;
      expect(second.payload.byteOffset + second.payload.length).toBe(end);
    });

    it(`MQTT ${profile.version === 4 ? '3.1.1' : '5'}: a packet split across chunks is assembled once, into one buffer of the packet's size`, () => {
      const packet = encoders[profile.version]('a/b');
      const halves = [packet.slice(0, 100), packet.slice(100)];
      const [m] = receive(profile, halves);
      expect([...(m?.payload ?? [])]).toEqual([...payload]);
      expect(m?.payload.buffer).not.toBe(halves[0]?.buffer);
      expect(m?.payload.buffer).not.toBe(halves[1]?.buffer);
      // The body buffer is the packet's remaining length, not a copy of a copy.
      expect(m?.payload.buffer.byteLength).toBeLessThanOrEqual(packet.length);
    });
  }
});
