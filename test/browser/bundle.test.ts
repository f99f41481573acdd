import { describe, expect, it } from 'vitest';
import { bundle } from '../../scripts/browser/bundle.js';
import {
  BROWSER_BUDGET_GZIP_BYTES,
  BROWSER_CEILING_GZIP_BYTES,
  measureSizes,
} from '../../scripts/browser/sizes.js';

describe('the browser bundle (spec R122-R123)', () => {
  it('bundles for browsers with no Node built-in and no polyfill on its path (R122)', async () => {
    // platform 'browser' fails the build on any `node:` import, so building is the first check.
    const built = await bundle({ entry: 'browser.ts', external: ['rxjs'] });
    const packages = built.parts.map((part) => part.name);
    expect(packages.sort()).toEqual(['(own code)', 'xstate']);
    expect(built.code).not.toMatch(/\bBuffer\.(from|alloc|isBuffer)|\brequire\(|process\.nextTick/);
  });

  it('the whole browser client, xstate in and rxjs out, stays under its measured ceiling (R123)', async () => {
    const [client, ...others] = await measureSizes();
    expect(client?.name).toMatch(/^browser client: browser\.ts/);
    expect(client?.budget).toBe(BROWSER_BUDGET_GZIP_BYTES);
    // The 30 KB budget is missed (R123 records by how much); the ceiling stops it from drifting.
    expect(client?.gzipBytes).toBeLessThanOrEqual(BROWSER_CEILING_GZIP_BYTES);
    // MQTT.js, measured the same way, is the comparison the report prints.
    const mqttjs = others.find((row) => row.name.startsWith('MQTT.js'));
    expect(mqttjs?.gzipBytes).toBeGreaterThan(2.5 * (client?.gzipBytes ?? 0));
  });

  it('keeps Node-only code off the browser path (R123)', async () => {
    // Built unminified so module names survive: each of these has a Node-side home and a
    // browser that needs none of it (tls settings cannot reach a browser WebSocket).
    const built = await bundle({ entry: 'browser.ts', external: ['rxjs'], minify: false });
    expect(built.code).not.toMatch(/adapters\/transports\/(classify|tlsSettings)\.ts/);
    expect(built.code).not.toMatch(/ERR_TLS_CERT_ALTNAME_INVALID|must be PEM text or bytes/);
  });
});
