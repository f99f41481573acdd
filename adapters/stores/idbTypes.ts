/**
 * The few IndexedDB and Web Locks shapes the IndexedDB store uses, typed here because the
 * project compiles without the DOM library (adapters/transports/websocket.ts does the same for
 * `WebSocket`), and the helpers that turn their requests into promises.
 */

/** An `IDBRequest`, as far as the store uses it. */
export interface IdbRequestLike<T> {
  readonly result: T;
  readonly error: { readonly name: string; readonly message: string } | null;
  onsuccess: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/** An `IDBObjectStore`. */
export interface IdbObjectStoreLike {
  put(value: unknown, key: number): IdbRequestLike<unknown>;
  clear(): IdbRequestLike<undefined>;
  getAll(): IdbRequestLike<unknown[]>;
  getAllKeys(): IdbRequestLike<unknown[]>;
}

/** An `IDBTransaction`. */
export interface IdbTransactionLike {
  objectStore(name: string): IdbObjectStoreLike;
  /** Chromium 76+, Firefox 74+, Safari 15+: ends the transaction now instead of at the end of the task. */
  commit?(): void;
  readonly error: { readonly name: string; readonly message: string } | null;
  oncomplete: ((event: unknown) => void) | null;
  onabort: ((event: unknown) => void) | null;
}

/** An `IDBDatabase`. */
export interface IdbDatabaseLike {
  readonly objectStoreNames: { contains(name: string): boolean };
  createObjectStore(name: string): IdbObjectStoreLike;
  transaction(names: string, mode: 'readonly' | 'readwrite'): IdbTransactionLike;
  close(): void;
  onclose: ((event: unknown) => void) | null;
  onversionchange: ((event: unknown) => void) | null;
}

/** An `IDBOpenDBRequest`. */
export interface IdbOpenRequestLike extends IdbRequestLike<IdbDatabaseLike> {
  onupgradeneeded: ((event: { readonly oldVersion: number }) => void) | null;
  onblocked: ((event: unknown) => void) | null;
}

/** The global `indexedDB` (an `IDBFactory`). */
export interface IdbFactoryLike {
  open(name: string, version: number): IdbOpenRequestLike;
}

/** The global `navigator.locks` (a `LockManager`). */
export interface LockManagerLike {
  request(
    name: string,
    options: { readonly mode?: 'exclusive'; readonly ifAvailable?: boolean; readonly signal?: AbortSignal },
    callback: (lock: unknown) => Promise<unknown> | unknown,
  ): Promise<unknown>;
}

/** The result of `request` once it succeeds; its error when it fails. */
export function settled<T>(request: IdbRequestLike<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Resolves when `tx` commits; rejects with its error when it aborts. */
export function committed(tx: IdbTransactionLike): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
  });
}
