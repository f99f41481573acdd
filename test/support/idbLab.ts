/**
 * The page script of the IndexedDB store tests (test/browser/indexedDb.test.ts): the browser
 * client and the IndexedDB store, from one bundle so that they share one `StoreError` class, as
 * `globalThis.lab`, plus the store conformance cases (test/support/storeConformance.ts) with the
 * IndexedDB store plugged in.
 */

import { type IdbDatabaseLike, type IdbFactoryLike, settled } from '../../adapters/stores/idbTypes.js';
import * as client from '../../browser.js';
import * as store from '../../browserIndexedDb.js';
import { runConformance } from './storeConformance.js';

const idb = (globalThis as unknown as { indexedDB: IdbFactoryLike }).indexedDB;

/** Puts a value that is not a log frame into the store's database, as foreign code might. */
async function spoil(name: string): Promise<void> {
  const db: IdbDatabaseLike = await settled(idb.open(name, 1));
  const tx = db.transaction('log', 'readwrite');
  await settled(tx.objectStore('log').put('not a frame', 3));
  db.close();
}

let opened = 0;
Object.assign(globalThis, {
  lab: {
    ...client,
    ...store,
    /** Runs every conformance case on fresh databases under a commit policy; resolves to the results. */
    conformance: (commit: store.CommitPolicy) =>
      runConformance({
        label: `IndexedDB (commit ${commit})`,
        // A fresh database per case: the page's origin keeps earlier runs' databases.
        fresh: () => `conformance-${Date.now()}-${opened++}`,
        open: (name) => store.openIndexedDbStore(name, { commit }),
        close: (s) => (s as store.IndexedDbStore).close(),
        settle: (s) => (s as store.IndexedDbStore).flushed(),
        spoil,
      }),
  },
});

/** In a dedicated worker (`new Worker('/lab.js')`): each message names a store to open; the answer says how it went. */
const scope = globalThis as unknown as {
  importScripts?: unknown;
  onmessage: ((event: { data: string }) => void) | null;
  postMessage(message: string): void;
};
if (typeof scope.importScripts === 'function') {
  const held: store.IndexedDbStore[] = [];
  scope.onmessage = ({ data: name }) => {
    store.openIndexedDbStore(name).then(
      (opened) => {
        held.push(opened);
        scope.postMessage('opened');
      },
      (error: unknown) =>
        scope.postMessage(error instanceof store.StoreError ? `${error.code} ${error.path}` : String(error)),
    );
  };
}
