/**
 * protocol/ runs where Node's `Buffer` does not exist (spec R48): with `globalThis.Buffer` removed
 * before the modules load, the encoders, CONNECT and the decoder give the same bytes and packets
 * as under Node, and the Node accelerators agree with the portable code they replace.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { alloc, portable, utf8ByteLength, utf8Text } from './encodeBytes.js';

type Encode = typeof import('./encode.js') & typeof import('./encodeSubscribe.js');
type Connect = typeof import('./connect.js');
type Decoder = typeof import('./decoder.js');

/** Loads fresh copies of the protocol modules with no global `Buffer`, as in a browser. */
async function loadWithoutBuffer(): Promise<{ encode: Encode; connect: Connect; decoder: Decoder }> {
  vi.resetModules();
  vi.stubGlobal('Buffer', undefined);
  try {
    const [encode, subscribe, connect, decoder] = await Promise.all([
      import('./encode.js'),
      import('./encodeSubscribe.js'),
      import('./connect.js'),
      import('./decoder.js'),
    ]);
    return { encode: { ...encode, ...subscribe }, connect, decoder };
  } finally {
    vi.unstubAllGlobals();
  }
}

afterEach(() => {
  vi.unstubAllGlobals();
});

/** Runs `fn` with no global `Buffer`, as the portable code would in a browser. */
function withoutBuffer<T>(fn: () => T): T {
  vi.stubGlobal('Buffer', undefined);
  try {
    return fn();
  } finally {
    vi.unstubAllGlobals();
  }
}

describe('protocol without Buffer (R48)', () => {
  it('encodes PUBLISH, SUBSCRIBE and CONNECT to the same bytes, and decodes them back', async () => {
    const browser = await loadWithoutBuffer();
    const node = {
      encode: { ...(await import('./encode.js')), ...(await import('./encodeSubscribe.js')) },
      connect: await import('./connect.js'),
    };
    const topic = 'sensors/ü/€/😀';
    const cases = (m: { encode: Encode; connect: Connect }) => [
      m.encode.encodePublish(topic, 'payload ü', 1, true, false, 7),
      m.encode.encodePublish(m.encode.encodeTopic(topic), Uint8Array.from([0, 255]), 0, false, false, 0),
      m.encode.encodeSubscribe(3, [{ filter: 'a/+/ü', qos: 2 }]),
      m.connect.encodeConnect(
        {
          clientId: 'c',
          username: 'ü',
          password: Uint8Array.from([1, 2]),
          will: { topic: 'w', payload: 'gone', qos: 1, retain: true },
        },
        () => 0,
      ),
    ];
    const fromBrowser = withoutBuffer(() => cases(browser));
    const fromNode = cases(node);
    expect(fromBrowser.map((b) => [...b])).toEqual(fromNode.map((b) => [...b]));
    for (const bytes of fromBrowser) expect(Object.getPrototypeOf(bytes)).toBe(Uint8Array.prototype);

    const packets: unknown[] = [];
    const errors: unknown[] = [];
    withoutBuffer(() => {
      const decoder = browser.decoder.createDecoder({
        onPacket: (p) => packets.push(p),
        onError: (e) => errors.push(e),
      });
      // The PUBLISH, split across chunks, so the body is reassembled without Buffer too.
      const bytes = fromBrowser[0] as Uint8Array;
      decoder.push(bytes.subarray(0, 5));
      decoder.push(bytes.subarray(5));
      // A topic that is not UTF-8 is refused by the fatal decoder.
      decoder.push(Uint8Array.from([0x30, 4, 0, 2, 0xc3, 0x28]));
    });
    expect(packets).toEqual([
      {
        cmd: 'publish',
        topic,
        payload: new TextEncoder().encode('payload ü'),
        qos: 1,
        dup: false,
        retain: true,
        messageId: 7,
      },
    ]);
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toMatch(/not well-formed UTF-8/);
  });

  it("Node's accelerators agree with the portable code", () => {
    fc.assert(
      fc.property(
        // Any UTF-16 code units, lone surrogates included (counted as the 3 bytes of U+FFFD).
        fc
          .array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 60 })
          .map((units) => String.fromCharCode(...units)),
        (s) => utf8ByteLength(s) === portable.utf8ByteLength(s),
      ),
    );
    expect(alloc(5)).toHaveLength(5);
    expect(portable.alloc(5)).toHaveLength(5);
  });

  it('decodes well-formed UTF-8 only, keeping a leading BOM', () => {
    expect(utf8Text(Uint8Array.from([0xef, 0xbb, 0xbf, 0x61]))).toBe('\uFEFFa');
    expect(utf8Text(Uint8Array.from([0xed, 0xa0, 0x80]))).toBeUndefined(); // a surrogate
    expect(utf8Text(Uint8Array.from([0xc0, 0xaf]))).toBeUndefined(); // an overlong '/'
  });
});
