/**
 * The IndexedDB store's place in the browser bundles (spec R196): its own entry bundles for
 * browsers with no Node built-in, the default browser client carries none of it, and
 * `npm run size` reports what it adds.
 */
import { describe, expect, it } from 'vitest';
import { bundle } from '../../scripts/browser/bundle.js';
import { measureSizes } from '../../scripts/browser/sizes.js';

describe('the IndexedDB store in the browser bundles (R196)', () => {
  it('bundles for browsers on its own: our code only, no Node built-in, no Node global', async () => {
    const built = await bundle({ entry: 'browserIndexedDb.ts', minify: false });
    expect(built.parts.map((part) => part.name)).toEqual(['(own code)']);
    expect(built.code).toMatch(/adapters\/stores\/indexedDb\.ts/);
    expect(built.code).not.toMatch(/\bBuffer\.(from|alloc|isBuffer)|\brequire\(|process\.nextTick/);
  });

  it('is not in the default browser client', async () => {
    const built = await bundle({ entry: 'browser.ts', external: ['rxjs'], minify: false });
    expect(built.code).not.toMatch(
      /adapters\/stores\/(indexedDb|webLock|idbTypes)\.ts|indexedDB|navigator\.locks/,
    );
  });

  it('npm run size reports the client with the store, a few KB above the client alone', async () => {
    const rows = await measureSizes();
    // The store entry is measured with every export of browser.ts, so it is compared with that row.
    const client = rows.find((row) => row.name.startsWith('whole browser entry'));
    const withStore = rows.find((row) => row.name.startsWith('browser client + IndexedDB store'));
    expect(client).toBeDefined();
    const added = (withStore?.gzipBytes ?? 0) - (client?.gzipBytes ?? 0);
    // The store, its lock and the log codec; the session and the errors are shared with the client.
    expect(added).toBeGreaterThan(500);
    expect(added).toBeLessThan(4_000);
  });
});
