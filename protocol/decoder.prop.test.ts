import fc from 'fast-check';
import * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { ProtocolError, SizeLimitError } from '../errors.js';
import { pushChunked } from '../test/support/decoding.js';
import { createDecoder, type InboundPacket } from './decoder.js';
import { checkConnackAnswers } from './decoderRules.js';

type Event = { packet: InboundPacket } | { error: ProtocolError | SizeLimitError };

/** Pushes `stream` cut into chunks whose sizes cycle through `sizes`; returns what came out. */
function decodeChunked(stream: Buffer, sizes: readonly number[], maxPacketBytes?: number): Event[] {
  const events: Event[] = [];
  const decoder = createDecoder({
    ...(maxPacketBytes === undefined ? {} : { maxPacketBytes }),
    onPacket: (packet) => events.push({ packet }),
    onError: (error) => events.push({ error }),
  });
  pushChunked(decoder, stream, sizes);
  if (events.some((e) => 'error' in e)) {
    // Pushes after an error must be ignored.
    const before = events.length;
    decoder.push(Uint8Array.from([0xd0, 0]));
    expect(events).toHaveLength(before);
  }
  return events;
}

/** Packets, then at most one error, last. */
function expectWellFormed(events: Event[]): void {
  const firstError = events.findIndex((e) => 'error' in e);
  if (firstError !== -1) {
    expect(firstError).toBe(events.length - 1);
    const { error } = events[firstError] as { error: unknown };
    expect(error instanceof ProtocolError || error instanceof SizeLimitError).toBe(true);
  }
}

const messageId = fc.integer({ min: 1, max: 65_535 });
// Well-formed strings only: mqtt.generate would encode a lone surrogate as U+FFFD.
const topic = fc
  .string({ unit: 'binary', minLength: 1, maxLength: 12 })
  .filter((t) => !/[+#]/.test(t) && !t.includes('\u0000') && Buffer.from(t).toString() === t);

/** Valid inbound packets, in the exact shape the decoder emits. */
const inbound: fc.Arbitrary<InboundPacket> = fc.oneof(
  fc
    .record({ returnCode: fc.integer({ min: 0, max: 5 }), sessionPresent: fc.boolean() })
    .map(({ returnCode, sessionPresent }) => ({
      cmd: 'connack' as const,
      returnCode,
      sessionPresent: returnCode === 0 && sessionPresent,
    })),
  fc
    .record({
      topic,
      payload: fc.uint8Array({ maxLength: 40 }),
      qos: fc.constantFrom<mqtt.QoS>(0, 1, 2),
      dup: fc.boolean(),
      retain: fc.boolean(),
      messageId,
    })
    .map((p) => ({
      cmd: 'publish' as const,
      topic: p.topic,
      payload: Uint8Array.from(p.payload),
      qos: p.qos,
      dup: p.qos !== 0 && p.dup,
      retain: p.retain,
      messageId: p.qos === 0 ? undefined : p.messageId,
    })),
  fc.record({ cmd: fc.constantFrom('puback', 'pubrec', 'pubrel', 'pubcomp' as const), messageId }),
  fc.record({
    cmd: fc.constant('suback' as const),
    messageId,
    granted: fc.array(fc.constantFrom(0, 1, 2, 0x80), { minLength: 1, maxLength: 5 }),
  }),
  messageId.map((id) => ({ cmd: 'unsuback' as const, messageId: id, granted: [] as number[] })),
  fc.constant({ cmd: 'pingresp' as const }),
);

const chunkSizes = fc.array(fc.integer({ min: 1, max: 48 }), { maxLength: 8 });

/** A valid stream: its packets, their encodings, and where each packet ends. */
const validStream = fc.array(inbound, { minLength: 1, maxLength: 12 }).map((packets) => {
  // mqtt-packet's encoder wants a Buffer payload; the decoder hands out plain Uint8Arrays.
  const encoded = packets.map((p) =>
    mqtt.generate((p.cmd === 'publish' ? { ...p, payload: Buffer.from(p.payload) } : p) as mqtt.Packet, {
      protocolVersion: 4,
    }),
  );
  const ends: number[] = [];
  let total = 0;
  for (const e of encoded) {
    total += e.length;
    ends.push(total);
  }
  return { packets, stream: Buffer.concat(encoded), ends };
});

type Mutation = { at: number; bytes: Uint8Array; kind: 'flip' | 'insert' | 'truncate' };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  bytes: fc.uint8Array({ minLength: 1, maxLength: 6 }),
  kind: fc.constantFrom('flip', 'insert', 'truncate'),
});

/** Applies `m`; returns the new stream and the first offset it changed. */
function mutate(stream: Buffer, m: Mutation): { stream: Buffer; changedAt: number } {
  const at = m.at % (stream.length + 1);
  if (m.kind === 'truncate') return { stream: stream.subarray(0, at), changedAt: at };
  if (m.kind === 'insert') {
    return { stream: Buffer.concat([stream.subarray(0, at), m.bytes, stream.subarray(at)]), changedAt: at };
  }
  const copy = Buffer.from(stream);
  const i = Math.min(at, copy.length - 1);
  copy[i] = (copy[i] as number) ^ (m.bytes[0] as number);
  return { stream: copy, changedAt: (m.bytes[0] as number) === 0 ? copy.length : i };
}

describe('decoder properties', () => {
  it('decodes a valid stream to exactly its packets, whatever the chunking', () => {
    fc.assert(
      fc.property(validStream, chunkSizes, ({ packets, stream }, sizes) => {
        expect(decodeChunked(stream, sizes)).toEqual(packets.map((packet) => ({ packet })));
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary bytes, emits at most one error last, and ignores chunking', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        chunkSizes,
        fc.integer({ min: 2, max: 300 }),
        (b, s, max) => {
          const stream = Buffer.from(b);
          const events = decodeChunked(stream, s, max);
          expectWellFormed(events);
          expect(events).toEqual(decodeChunked(stream, [], max));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('on a mutated valid stream, keeps the packets before the damage and fails at most once', () => {
    fc.assert(
      fc.property(
        validStream,
        validStream,
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        chunkSizes,
        (valid, extra, mutations, sizes) => {
          // Concatenation with another valid stream, then byte flips, insertions and truncations.
          let stream: Buffer = Buffer.concat([valid.stream, extra.stream]);
          let changedAt = stream.length;
          for (const m of mutations) {
            const next = mutate(stream, m);
            stream = next.stream;
            changedAt = Math.min(changedAt, next.changedAt);
          }
          const events = decodeChunked(stream, sizes);
          expectWellFormed(events);
          expect(events).toEqual(decodeChunked(stream, []));
          const intact = valid.ends.filter((end) => end <= changedAt).length;
          expect(events.slice(0, intact)).toEqual(
            valid.packets.slice(0, intact).map((packet) => ({ packet })),
          );
          if (mutations.every((m) => m.kind === 'truncate')) {
            expect(events.every((e) => 'packet' in e)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('R62: accepts a CONNACK exactly when it obeys every rule of section 3.2 for the CONNECT it answers', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 255 }),
        fc.boolean(),
        (flags, returnCode, clean) => {
          const [event] = decodeChunked(Buffer.from([0x20, 2, flags, returnCode]), []);
          const verdict =
            event !== undefined && 'packet' in event && event.packet.cmd === 'connack'
              ? (checkConnackAnswers(event.packet, { clean }) ?? event.packet)
              : 'refused by the decoder';
          // Section 3.2, written out independently of the decoder's code.
          const sessionPresent = flags === 1;
          const valid =
            flags <= 1 && // bits 7-1 reserved [3.2.2.1]
            returnCode <= 5 && // 6-255 reserved [3.2.2.3]
            !(returnCode !== 0 && sessionPresent) && // [MQTT-3.2.2-4]
            !(clean && sessionPresent); // [MQTT-3.2.2-1]
          if (valid) expect(verdict).toEqual({ cmd: 'connack', sessionPresent, returnCode });
          else expect(typeof verdict).toBe('string');
        },
      ),
      { numRuns: 2000 },
    );
  });
});
