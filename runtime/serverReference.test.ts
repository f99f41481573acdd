/** Server Reference parsing and labels (spec R246). */
import { describe, expect, it } from 'vitest';
import type { NormalisedServer } from './options.js';
import { parseServerReference, ReferencedServers } from './serverReference.js';

const configured = (over: Partial<NormalisedServer>): NormalisedServer =>
  ({
    name: 'mqtt',
    host: 'a.example',
    port: 1883,
    protocol: 'mqtt',
    protocolVersion: 5,
    ...over,
  }) as NormalisedServer;

describe('Server Reference (R246)', () => {
  it('R246: reads host, host:port and [ipv6]:port entries, drops invalid ones and repeats', () => {
    expect(parseServerReference('b.example:1884  10.0.0.2 [::1]:8883 b.example:1884')).toEqual([
      { host: 'b.example', port: 1884 },
      { host: '10.0.0.2' },
      { host: '::1', port: 8883 },
    ]);
    expect(parseServerReference('mqtt://x:1 300.1.1.1 host:0 host:70000 -bad')).toEqual([]);
    expect(parseServerReference('')).toEqual([]);
  });

  it('R246: each distinct address gets one label for the life of the client, never an address', () => {
    const refs = new ReferencedServers();
    expect(refs.labels('b.example:1884 c.example', 0)).toEqual(['ref-1', 'ref-2']);
    expect(refs.labels('c.example b.example:1884 d.example', 0)).toEqual(['ref-2', 'ref-1', 'ref-3']);
    expect(refs.labels('x:y 1.2.3 -bad', 0)).toEqual([]);
  });

  it("R246: a referenced server is reached like the configured one it came from, on the scheme's default port when none is given", () => {
    const refs = new ReferencedServers();
    refs.labels('b.example:1884 c.example', 1);
    const servers = [
      configured({}),
      configured({ name: 'tls', protocol: 'mqtts', port: 8883, username: 'u' }),
    ];
    expect(refs.server('ref-1', servers)).toMatchObject({
      template: 1,
      server: { name: 'ref-1', host: 'b.example', port: 1884, protocol: 'mqtts', username: 'u' },
    });
    expect(refs.server('ref-2', servers)?.server).toMatchObject({ host: 'c.example', port: 8883 });
    expect(refs.server('ref-9', servers)).toBeUndefined();
  });

  it('R246: a WebSocket template gives the referenced server its own URL', () => {
    const refs = new ReferencedServers();
    refs.labels('d.example:9001', 0);
    const ws = configured({ protocol: 'ws', port: 80, path: '/mqtt', url: 'ws://a.example:80/mqtt' });
    expect(refs.server('ref-1', [ws])?.server.url).toBe('ws://d.example:9001/mqtt');
  });
});
