/**
 * The wire profile seam (spec R235, R238): 3.1.1 keeps the transport and its zero-copy path as
 * they are; MQTT 5 upgrades what the session writes and offers no `reserve`. The version options.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { encodePublish, encodeTopic } from '../protocol/encode.js';
import { normaliseOptions } from './options.js';
import type { Transport, TransportFactory } from './ports.js';
import { V4_PROFILE } from './profile.js';
import { V5_PROFILE } from './profileV5.js';

function recording(): { transport: Transport; written: Uint8Array[] } {
  const written: Uint8Array[] = [];
  const transport: Transport = {
    write: (bytes) => {
      written.push(bytes);
      return true;
    },
    reserve: () => -1,
    bufferedBytes: 0,
    end: () => {},
    destroy: () => {},
  };
  return { transport, written };
}

const factory = (() => recording().transport) as TransportFactory;

describe('wire profiles (R235, R238)', () => {
  it('R238: the 3.1.1 profile hands over the transport itself, zero-copy reserve included', () => {
    const { transport } = recording();
    expect(V4_PROFILE.transport(transport)).toBe(transport);
  });

  it('R238: the MQTT 5 transport upgrades a PUBLISH, has no reserve and no whenFlushed the inner one lacks', () => {
    const { transport, written } = recording();
    const v5 = V5_PROFILE.transport(transport);
    expect(v5.reserve).toBeUndefined();
    expect(v5.whenFlushed).toBeUndefined();
    const v4 = encodePublish(encodeTopic('t'), 'x', 0, false, false, 0, 1);
    v5.write(v4);
    expect([...(written[0] as Uint8Array)]).toEqual([0x30, (v4[1] as number) + 1, 0, 1, 0x74, 0, 0x78]);
  });

  it('R235: protocolVersion is 4 by default, the client option applies to servers without their own, a URL may say 5', () => {
    const n = normaliseOptions({
      servers: [{ host: 'a' }, { host: 'b', protocolVersion: 4 }, { url: 'mqtt://c?protocolVersion=5' }],
      transport: factory,
      mqtt5: V5_PROFILE,
    });
    expect(n.servers.map((s) => s.protocolVersion)).toEqual([4, 4, 5]);
    const all5 = normaliseOptions({
      servers: [{ host: 'a' }, { host: 'b', protocolVersion: 4 }],
      protocolVersion: 5,
      transport: factory,
      mqtt5: V5_PROFILE,
    });
    expect(all5.servers.map((s) => s.protocolVersion)).toEqual([5, 4]);
  });

  it('R235: 5 without the MQTT 5 profile (the browser entry), 5 under the mongoose profile, a version other than 4 or 5, or a server that disagrees with its URL is a ConfigError', () => {
    expect(() =>
      normaliseOptions({ servers: [{ host: 'a' }], protocolVersion: 5, transport: factory }),
    ).toThrow(/protocolVersion: 5 needs the MQTT 5 profile/);
    const bad = [
      { servers: [{ host: 'a' }], protocolVersion: 5 as const, profile: 'mongoose' as const },
      { servers: [{ host: 'a', protocolVersion: 3 as unknown as 4 }] },
      { servers: [{ url: 'mqtt://a?protocolVersion=5', protocolVersion: 4 as const }] },
    ];
    for (const options of bad)
      expect(() => normaliseOptions({ ...options, transport: factory })).toThrow(ConfigError);
  });
});
