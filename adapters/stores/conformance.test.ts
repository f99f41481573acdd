/**
 * The session store conformance suite (test/support/storeConformance.ts, spec R194) against the
 * Node file store; test/browser/indexedDb.test.ts runs the same cases against the IndexedDB store
 * in Chromium.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFORMANCE_CASES, type ConformanceHarness } from '../../test/support/storeConformance.js';
import { type FileStore, openFileStore } from './file.js';

const dir = mkdtempSync(join(tmpdir(), 'conformance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
const fileHarness: ConformanceHarness = {
  label: 'file',
  fresh: () => join(dir, `store-${n++}.log`),
  // fsync 'every' compacts before returning, so a reopen right after sees the compacted log.
  open: async (path) => openFileStore(path, { fsync: 'every' }),
  close: (store) => (store as FileStore).close(),
  settle: () => {},
  spoil: (path) => writeFileSync(path, 'not a session log at all'),
};

describe('the file store passes the store conformance suite (R194)', () => {
  for (const c of CONFORMANCE_CASES) {
    it(c.name, () => c.run(fileHarness));
  }

  it('the suite fails a store that breaks a rule', async () => {
    // A store that forgets its last record on reopen must fail the read-back case.
    const forgetful: ConformanceHarness = {
      ...fileHarness,
      open: async (path) => {
        const store = openFileStore(path, { fsync: 'every' });
        const records = store.readBack();
        return Object.assign(Object.create(store) as FileStore, {
          readBack: () => records.slice(0, -1),
          append: store.append.bind(store),
          close: store.close.bind(store),
        });
      },
      close: (store) => (store as FileStore).close(),
    };
    const [first] = CONFORMANCE_CASES;
    await expect(first?.run(forgetful)).rejects.toThrow(/after reopening: read back/);
  });
});
