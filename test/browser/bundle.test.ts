import { describe, expect, it } from 'vitest';
import { bundle } from '../../scripts/browser/bundle.js';
import {
  BROWSER_BUDGET_GZIP_BYTES,
  BROWSER_ENTRY_CEILING_GZIP_BYTES,
  measureSizes,
} from '../../scripts/browser/sizes.js';

/** What a default client leaves to the app (R230-R231), as esbuild names it unminified. */
const OPT_IN = [
  /\bfunction createActorDriver\(/,
  /\bfunction holdingClock\(/,
  /\bfunction attachStore\(/,
  /\bvar SessionLog = class\b/,
  /\bvar SessionImage = class\b/,
  /\bfunction recover\(/,
];

describe('the browser bundle (spec R122-R123, R232)', () => {
  it('bundles for browsers with no Node built-in and no polyfill on its path (R122)', async () => {
    // platform 'browser' fails the build on any `node:` import, so building is the first check.
    const built = await bundle({ entry: 'browser.ts', external: ['rxjs'] });
    const packages = built.parts.map((part) => part.name);
    expect(packages.sort()).toEqual(['(own code)', 'xstate']);
    expect(built.code).not.toMatch(/\bBuffer\.(from|alloc|isBuffer)|\brequire\(|process\.nextTick/);
  });

  it('R343: the default browser client carries no xstate (the chart step runs its statechart); the whole entry, which exports createActorDriver, does', async () => {
    const client = await bundle({ entry: 'scripts/browser/defaultClient.ts', external: ['rxjs'] });
    expect(client.parts.map((part) => part.name)).toEqual(['(own code)']);
    const unminified = await bundle({
      entry: 'scripts/browser/defaultClient.ts',
      external: ['rxjs'],
      minify: false,
    });
    expect(unminified.code).toMatch(/^\/\/ runtime\/chartStep\.ts$/m);
    expect(unminified.code).not.toMatch(
      /^\/\/ (node_modules\/xstate\/|runtime\/xstateStep\.ts|machines\/setup\.ts)/m,
    );
    const entry = await bundle({ entry: 'browser.ts', external: ['rxjs'] });
    expect(entry.parts.map((part) => part.name)).toContain('xstate');
  });

  it('the default browser client, without xstate and with rxjs out, meets the 30 KB budget (R123, R232, R343, R370)', async () => {
    const [client, ...others] = await measureSizes();
    expect(client?.name).toMatch(/^default browser client: \{ MqttClient \}/);
    expect(client?.budget).toBe(BROWSER_BUDGET_GZIP_BYTES);
    expect(client?.gzipBytes).toBeLessThanOrEqual(BROWSER_BUDGET_GZIP_BYTES);
    // The whole entry carries the opt-in parts too, so it is larger, and held by its own ceiling.
    const entry = others.find((row) => row.name.startsWith('whole browser entry'));
    expect(entry?.gzipBytes).toBeGreaterThan(client?.gzipBytes ?? Number.POSITIVE_INFINITY);
    expect(entry?.gzipBytes).toBeLessThanOrEqual(BROWSER_ENTRY_CEILING_GZIP_BYTES);
    // MQTT.js, measured the same way, is the comparison the report prints: 3.5 times ours since
    // the budget was met (R370).
    const mqttjs = others.find((row) => row.name.startsWith('MQTT.js'));
    expect(mqttjs?.gzipBytes).toBeGreaterThan(3.4 * (client?.gzipBytes ?? 0));
  });

  it('keeps Node-only code off the browser path (R123)', async () => {
    // Built unminified so module names survive: each of these has a Node-side home and a
    // browser that needs none of it (tls settings cannot reach a browser WebSocket).
    const built = await bundle({ entry: 'browser.ts', external: ['rxjs'], minify: false });
    expect(built.code).not.toMatch(/adapters\/transports\/(classify|tlsSettings)\.ts/);
    expect(built.code).not.toMatch(/ERR_TLS_CERT_ALTNAME_INVALID|must be PEM text or bytes/);
  });

  it('leaves the actor driver and store recovery out of the default client, in the entry for apps that pass them (R232)', async () => {
    // Unminified, so function names survive. The default client is what an app that imports
    // `MqttClient` alone bundles; the whole entry exports the opt-in parts (R230, R231).
    const client = await bundle({
      entry: 'scripts/browser/defaultClient.ts',
      external: ['rxjs'],
      minify: false,
    });
    const entry = await bundle({ entry: 'browser.ts', external: ['rxjs'], minify: false });
    for (const pattern of OPT_IN) {
      expect(client.code).not.toMatch(pattern);
      expect(entry.code).toMatch(pattern);
    }
  });

  it('leaves the MQTT 5 profile and the embedded logic out of the default client and the whole entry, in their subpaths for apps that import them (R185, R186)', async () => {
    // Unminified, esbuild names each module it takes in a `// path` line.
    const modules = async (entry: string) => {
      const built = await bundle({ entry, external: ['rxjs'], minify: false });
      return [...built.code.matchAll(/^\/\/ (\S+\.ts)$/gm)].map((m) => m[1] as string);
    };
    const v5 = (list: readonly string[]) =>
      list.filter((m) => /^protocol\/v5\/|^runtime\/profileV5\.ts$/.test(m));
    const embedded = (list: readonly string[]) => list.filter((m) => /^runtime\/embedded/.test(m));
    for (const entry of ['scripts/browser/defaultClient.ts', 'browser.ts']) {
      const list = await modules(entry);
      expect(list).toContain('runtime/client.ts');
      expect({ entry, v5: v5(list), embedded: embedded(list) }).toEqual({ entry, v5: [], embedded: [] });
    }
    const withMqtt5 = await modules('scripts/browser/withMqtt5.ts');
    expect(withMqtt5).toContain('runtime/profileV5.ts');
    expect(v5(withMqtt5).length).toBeGreaterThan(3);
    const withEmbedded = await modules('scripts/browser/withEmbedded.ts');
    expect(embedded(withEmbedded)).toContain('runtime/embedded.ts');
    expect(v5(withEmbedded)).toEqual([]);
  });
});
