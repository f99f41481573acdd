/** Feeding hand-written bytes to the inbound decoder and asserting on what comes out. */
import { expect } from 'vitest';
import { ProtocolError, type SizeLimitError } from '../../errors.js';
import { createDecoder, type InboundPacket } from '../../protocol/decoder.js';

/** What the decoder reports instead of a packet. */
export type DecodeError = ProtocolError | SizeLimitError;

/** A decoder that logs its packets and errors, for tests that push bytes in several steps. */
export function decoderWithLog(maxPacketBytes?: number) {
  const packets: InboundPacket[] = [];
  const errors: DecodeError[] = [];
  const decoder = createDecoder({
    ...(maxPacketBytes === undefined ? {} : { maxPacketBytes }),
    onPacket: (p) => packets.push(p),
    onError: (e) => errors.push(e),
  });
  return { decoder, packets, errors };
}

/**
 * Pushes `stream` into `decoder` cut into chunks whose sizes cycle through `sizes` (one chunk when
 * empty); each chunk is a plain Uint8Array copy, so nothing relies on the caller passing Buffers.
 */
export function pushChunked(
  decoder: { push(chunk: Uint8Array): void },
  stream: Uint8Array,
  sizes: readonly number[],
): void {
  let off = 0;
  for (let i = 0; off < stream.length; i++) {
    const size = sizes.length === 0 ? stream.length : (sizes[i % sizes.length] as number);
    decoder.push(Uint8Array.from(stream.subarray(off, off + size)));
    off += size;
  }
}

/** Decodes `bytes` pushed as one chunk. */
export function decode(bytes: number[], maxPacketBytes?: number) {
  const log = decoderWithLog(maxPacketBytes);
  log.decoder.push(Uint8Array.from(bytes));
  return log;
}

/** Expects `bytes` to be refused with a ProtocolError whose message matches `message`. */
export function expectProtocolError(bytes: number[], message: RegExp): void {
  const { packets, errors } = decode(bytes);
  expect(packets).toEqual([]);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toBeInstanceOf(ProtocolError);
  expect(errors[0]?.message).toMatch(message);
}

/** A PUBLISH with the given fixed-header flags, topic bytes, packet id bytes and payload. */
export function publish(flags: number, topic: number[], id: number[] = [], payload: number[] = []): number[] {
  const body = [topic.length >> 8, topic.length & 0xff, ...topic, ...id, ...payload];
  return [0x30 | flags, body.length, ...body];
}

/** The topic `a`, as bytes. */
export const topicA = [0x61];
