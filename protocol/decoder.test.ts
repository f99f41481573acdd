import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, SizeLimitError } from '../errors.js';
import { decode, decoderWithLog, expectProtocolError, publish, topicA } from '../test/support/decoding.js';
import { createDecoder } from './decoder.js';

describe('valid packets', () => {
  it('decodes every packet type a client may receive', () => {
    const { packets, errors } = decode([
      ...[0x20, 2, 1, 0], // CONNACK, session present
      ...publish(0x0b, [0x61, 0x2f, 0x62], [0, 7], [1, 2]), // PUBLISH QoS 1, DUP, RETAIN
      ...[0x40, 2, 0, 1, 0x50, 2, 0, 2, 0x62, 2, 0, 3, 0x70, 2, 0, 4], // PUBACK PUBREC PUBREL PUBCOMP
      ...[0x90, 5, 0, 5, 0, 2, 0x80], // SUBACK
      ...[0xb0, 2, 0, 6], // UNSUBACK
      ...[0xd0, 0], // PINGRESP
    ]);
    expect(errors).toEqual([]);
    expect(packets).toEqual([
      { cmd: 'connack', sessionPresent: true, returnCode: 0 },
      {
        cmd: 'publish',
        topic: 'a/b',
        payload: Uint8Array.from([1, 2]),
        qos: 1,
        dup: true,
        retain: true,
        messageId: 7,
      },
      { cmd: 'puback', messageId: 1 },
      { cmd: 'pubrec', messageId: 2 },
      { cmd: 'pubrel', messageId: 3 },
      { cmd: 'pubcomp', messageId: 4 },
      { cmd: 'suback', messageId: 5, granted: [0, 2, 0x80] },
      { cmd: 'unsuback', messageId: 6, granted: [] },
      { cmd: 'pingresp' },
    ]);
  });

  it('decodes a QoS 0 PUBLISH with an empty payload and no packet id', () => {
    const { packets } = decode(publish(0, topicA));
    expect(packets).toEqual([
      { cmd: 'publish', topic: 'a', payload: new Uint8Array(0), qos: 0, dup: false, retain: false },
    ]);
  });

  it('decodes a multi-byte UTF-8 topic, keeping a literal U+FFFD and a leading BOM', () => {
    const topic = [...Buffer.from('\uFEFFé/€/\uFFFD/😀')];
    expect(decode(publish(0, topic)).packets[0]).toMatchObject({ topic: '\uFEFFé/€/\uFFFD/😀' });
  });

  it('hands out payloads as views into the chunk when the packet is whole', () => {
    const chunk = Buffer.from(publish(0, topicA, [], [9, 9]));
    const { decoder, packets } = decoderWithLog();
    decoder.push(chunk);
    expect((packets[0] as { payload: Uint8Array }).payload.buffer).toBe(chunk.buffer);
  });

  it('decodes the same packets whatever the chunk boundaries, including a body over 64 KiB', () => {
    const big = Buffer.concat([Buffer.from([0x30, 0x85, 0x80, 0x08, 0, 1, 0x61]), Buffer.alloc(0x20002, 7)]);
    const stream = Buffer.concat([Buffer.from([0x20, 2, 0, 0]), big, Buffer.from([0xd0, 0])]);
    for (const size of [1, 3, 1000, 70_000]) {
      const { decoder, packets, errors } = decoderWithLog();
      for (let off = 0; off < stream.length; off += size) decoder.push(stream.subarray(off, off + size));
      expect(errors).toEqual([]);
      expect(packets.map((p) => p.cmd)).toEqual(['connack', 'publish', 'pingresp']);
      // Buffer.equals: a deep toEqual over 128 KiB takes about a second.
      const { payload } = packets[1] as { payload: Uint8Array };
      expect(
        Buffer.from(payload.buffer, payload.byteOffset, payload.length).equals(Buffer.alloc(0x20002, 7)),
      ).toBe(true);
    }
  });

  it('accepts plain Uint8Array chunks, not only Buffers', () => {
    const { decoder, packets } = decoderWithLog();
    decoder.push(new Uint8Array([0xff, 0xd0]).subarray(1));
    decoder.push(new Uint8Array([0]));
    expect(packets).toEqual([{ cmd: 'pingresp' }]);
  });
});

describe('framing and size limit', () => {
  it('refuses a remaining length with a 5th byte', () => {
    expectProtocolError([0x30, 0xff, 0xff, 0xff, 0xff, 0x01], /longer than 4 bytes/);
  });

  it('refuses an oversized packet from its header alone, before buffering the body', () => {
    // Declares 268435455 bytes of body but sends none of it.
    const { packets, errors } = decode([0x30, 0xff, 0xff, 0xff, 0x7f], 1024);
    expect(packets).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(SizeLimitError);
    expect(errors[0]).toMatchObject({ code: 'PACKET_TOO_LARGE', size: 268_435_460, limit: 1024 });
  });

  it('accepts a packet of exactly maxPacketBytes', () => {
    expect(decode(publish(0, topicA, [], [1, 2]), 7).packets).toHaveLength(1);
    expect(decode(publish(0, topicA, [], [1, 2, 3]), 7).errors[0]).toBeInstanceOf(SizeLimitError);
  });
});

describe('after an error, and callbacks', () => {
  it('emits the packets before an error, then ignores input until reset', () => {
    const { decoder, packets, errors } = decode([0xd0, 0, 0x41, 2, 0, 1, 0xd0, 0]);
    decoder.push(Uint8Array.from([0xd0, 0]));
    expect(packets).toEqual([{ cmd: 'pingresp' }]);
    expect(errors).toHaveLength(1);
    decoder.reset();
    decoder.push(Uint8Array.from([0xd0, 0]));
    expect(packets).toHaveLength(2);
  });

  it('drops a partial packet on reset', () => {
    const { decoder, packets, errors } = decode([0x20, 2, 0]);
    decoder.reset();
    decoder.push(Uint8Array.from([0xd0, 0]));
    expect(errors).toEqual([]);
    expect(packets).toEqual([{ cmd: 'pingresp' }]);
  });

  it('stops mid-chunk when a callback resets, and queues pushes made from a callback', () => {
    const seen: string[] = [];
    const decoder = createDecoder({
      onPacket: (p) => {
        seen.push(p.cmd);
        if (p.cmd === 'connack') decoder.reset();
        if (p.cmd === 'puback') decoder.push(Uint8Array.from([0xd0, 0]));
        if (seen.length === 2) expect(seen).toEqual(['connack', 'puback']);
      },
      onError: (e) => seen.push(e.message),
    });
    decoder.push(Uint8Array.from([0x20, 2, 0, 0, 0xd0, 0]));
    decoder.push(Uint8Array.from([0x40, 2, 0, 1, 0x70, 2, 0, 1]));
    expect(seen).toEqual(['connack', 'puback', 'pubcomp', 'pingresp']);
  });

  it('lets a callback exception propagate, then stops', () => {
    const decoder = createDecoder({
      onPacket: () => {
        throw new Error('boom');
      },
      onError: () => {},
    });
    expect(() => decoder.push(Uint8Array.from([0xd0, 0]))).toThrow('boom');
    expect(() => decoder.push(Uint8Array.from([0xd0, 0]))).not.toThrow();
  });

  it.each([0, 1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses maxPacketBytes %s', (max) => {
    expect(() => createDecoder({ maxPacketBytes: max, onPacket: () => {}, onError: () => {} })).toThrow(
      InvalidArgumentError,
    );
  });
});
