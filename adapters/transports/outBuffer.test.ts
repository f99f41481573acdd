import * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { MqttSession } from '../../protocol/session.js';
import { COPY_LIMIT_BYTES, OutBuffer } from './outBuffer.js';

describe('OutBuffer', () => {
  it('keeps appended and reserved bytes in order across growth, and take() starts afresh', () => {
    const out = new OutBuffer();
    const expected: number[] = [];
    for (let i = 0; i < 3000; i++) {
      if (i % 2 === 0) out.append(new Uint8Array([i & 0xff, 7]));
      else {
        const at = out.reserve(2);
        out.buffer[at] = i & 0xff;
        out.buffer[at + 1] = 9;
      }
      expected.push(i & 0xff, i % 2 === 0 ? 7 : 9);
    }
    expect(out.length).toBe(6000);
    expect([...(out.take() ?? [])]).toEqual(expected);
    expect(out.length).toBe(0);
    expect(out.take()).toBeNull();
  });

  it('a taken batch is never written to again (the socket still holds it)', () => {
    const out = new OutBuffer();
    out.append(new Uint8Array([1, 2, 3]));
    const first = out.take();
    out.append(new Uint8Array([4, 5, 6]));
    expect([...(first ?? [])]).toEqual([1, 2, 3]);
  });

  it('exports the size above which a packet is written without a copy', () => {
    expect(COPY_LIMIT_BYTES).toBeGreaterThan(1024);
  });
});

describe('zero-copy QoS 0 publishing', () => {
  it('encodes into the transport buffer, byte for byte what write() would have sent', () => {
    const out = new OutBuffer();
    const written: Uint8Array[] = [];
    const session = new MqttSession({
      write: (bytes) => written.push(bytes),
      emit: () => {},
      bufferedBytes: () => out.length,
      reserve: (size) => out.reserve(size),
      get outBuffer() {
        return out.buffer;
      },
    });
    session.connected(false);
    session.publish('a/b', 'héllo', 0, true);
    session.publish('a/c', new Uint8Array([1, 2, 3]), 0, false);
    expect(written).toEqual([]);
    const packets: mqtt.Packet[] = [];
    const parser = mqtt.parser({ protocolVersion: 4 });
    parser.on('packet', (p) => packets.push(p));
    parser.parse(Buffer.from(out.take() ?? []));
    expect(packets).toMatchObject([
      { cmd: 'publish', topic: 'a/b', qos: 0, retain: true, dup: false, payload: Buffer.from('héllo') },
      { cmd: 'publish', topic: 'a/c', qos: 0, retain: false, payload: Buffer.from([1, 2, 3]) },
    ]);
  });
});
