/**
 * mqtt-lifeline's durable session store for browsers (`mqtt-lifeline/browser/indexeddb`): the
 * session log in IndexedDB, kept to one tab by a Web Lock (spec R190-R199). A separate entry so
 * that the default browser client (`mqtt-lifeline/browser`) does not carry it; pass the opened
 * store to that client as `session: { store }`.
 *
 * @packageDocumentation
 */

export type {
  IdbDatabaseLike,
  IdbFactoryLike,
  IdbObjectStoreLike,
  IdbOpenRequestLike,
  IdbRequestLike,
  IdbTransactionLike,
  LockManagerLike,
} from './adapters/stores/idbTypes.js';
export {
  type CommitPolicy,
  IndexedDbStore,
  type IndexedDbStoreOptions,
  openIndexedDbStore,
} from './adapters/stores/indexedDb.js';
export { StoreError } from './errors.js';
export type { SessionStore, StoreRecord } from './protocol/store.js';
