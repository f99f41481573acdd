/**
 * What the default browser client never runs stays out of its bundle (spec R350-R355): what only
 * MQTT 5 runs comes with the MQTT 5 profile (each module below is in the `browser/mqtt5` bundle and
 * in neither the default client nor the whole browser entry), and what only Node's transports
 * report is explained in Node's modules.
 */
import { describe, expect, it } from 'vitest';
import { bundle } from '../../scripts/browser/bundle.js';

/** The modules only the MQTT 5 profile brings, with the rule that moved each behind it. */
const MQTT5_ONLY = {
  'runtime/request.ts': 'R350',
  'runtime/serverReference.ts': 'R351',
  'protocol/outboundRefusals.ts': 'R354',
} as const;

/** The modules of `entry`'s bundle, as esbuild names them unminified (`// path` lines). */
async function modules(entry: string): Promise<string[]> {
  const built = await bundle({ entry, external: ['rxjs'], minify: false });
  return [...built.code.matchAll(/^\/\/ (\S+\.ts)$/gm)].map((m) => m[1] as string);
}

describe("MQTT 5-only code is the MQTT 5 profile's (R350-R355)", () => {
  it('R350, R351, R354: in the browser/mqtt5 bundle, not in the default client or the whole browser entry', async () => {
    const only = Object.keys(MQTT5_ONLY);
    const withMqtt5 = await modules('scripts/browser/withMqtt5.ts');
    expect(only.filter((m) => !withMqtt5.includes(m))).toEqual([]);
    for (const entry of ['scripts/browser/defaultClient.ts', 'browser.ts']) {
      const list = await modules(entry);
      expect(list).toContain('runtime/client.ts');
      expect({ entry, carried: only.filter((m) => list.includes(m)) }).toEqual({ entry, carried: [] });
    }
  });

  it("R352: the explanations of the failures only Node's transports tell are not in the browser entry", async () => {
    const built = await bundle({ entry: 'browser.ts', external: ['rxjs'], minify: false });
    expect(built.code).toContain('the WebSocket handshake failed');
    expect(built.code).not.toMatch(
      /not signed by a trusted CA|rejected the pre-shared key|host name not found/,
    );
  });

  it('R353: the MQTT 5 CONNECT fields (Session Expiry Interval, authentication) are added by the profile, not by the default client', async () => {
    const client = await bundle({
      entry: 'scripts/browser/defaultClient.ts',
      external: ['rxjs'],
      minify: false,
    });
    const withMqtt5 = await bundle({
      entry: 'scripts/browser/withMqtt5.ts',
      external: ['rxjs'],
      minify: false,
    });
    expect(client.code).not.toMatch(/sessionExpiryInterval|new AuthSession\(/);
    expect(withMqtt5.code).toMatch(/sessionExpiryInterval: server\.sessionExpirySec/);
    expect(withMqtt5.code).toMatch(/new AuthSession\(/);
  });
});
