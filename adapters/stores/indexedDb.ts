/**
 * The browser's durable session store: the session log in an IndexedDB database, one record per
 * key, each the same checksummed frame as the file store's (`protocol/storeCodec.ts`), and an
 * exclusive Web Lock for one owner (docs/spec.md R190-R199, with R100-R115). No Node built-in;
 * imported only through `mqtt-lifeline/browser/indexeddb`, so the default browser client does not
 * carry it.
 */
import { ConfigError, StoreError } from '../../errors.js';
import { MIN_COMPACT_RECORDS, type SessionStore, type StoreRecord } from '../../protocol/store.js';
import { decodeLog, encodeHeader, encodeRecord, LogFormatError } from '../../protocol/storeCodec.js';
import {
  committed,
  type IdbDatabaseLike,
  type IdbFactoryLike,
  type IdbTransactionLike,
  type LockManagerLike,
  settled,
} from './idbTypes.js';
import { tryLock } from './webLock.js';

/** The object store holding the log: key 0 the header, keys 1.. the frames in append order. */
const LOG = 'log';
const HEADER_KEY = 0;
/** The database version this library creates and reads (the log format has its own, R104). */
const DB_VERSION = 1;

/** Options of {@link openIndexedDbStore}. */
export interface IndexedDbStoreOptions {
  /** The IndexedDB factory. @default `globalThis.indexedDB` */
  readonly indexedDB?: IdbFactoryLike;
  /** The Web Locks manager that keeps the store to one owner. @default `globalThis.navigator.locks` */
  readonly locks?: LockManagerLike;
  /**
   * How long to wait for another holder of the store (a tab closing, the page this one replaced)
   * to let it go before refusing with `STORE_LOCKED`. @default 0 (refuse at once)
   */
  readonly lockTimeoutMs?: number;
}

/** A session store in an IndexedDB database; see {@link openIndexedDbStore}. */
export class IndexedDbStore implements SessionStore {
  /** The database's name. */
  readonly name: string;
  /** `indexeddb:<name>`: how errors name the store (the file store names its file). */
  readonly path: string;
  readonly #db: IdbDatabaseLike;
  readonly #release: () => void;
  readonly #records: readonly StoreRecord[];
  /** Records in the database (the compaction policy counts these), and the next record's key. */
  #count: number;
  #nextKey: number;
  #compactAt: number;
  /** The transaction this turn's records go to, until it is committed. */
  #tx: IdbTransactionLike | undefined;
  /** Settles when the latest transaction does: they commit in order (same scope, R191). */
  #last: Promise<void> = Promise.resolve();
  /** A write that failed after `append` returned; every later append throws it (R102). */
  #failure: StoreError | undefined;
  #closed = false;

  /** @internal Use {@link openIndexedDbStore}. */
  constructor(
    name: string,
    db: IdbDatabaseLike,
    release: () => void,
    records: readonly StoreRecord[],
    nextKey: number,
  ) {
    this.name = name;
    this.path = `indexeddb:${name}`;
    this.#db = db;
    this.#release = release;
    this.#records = records;
    this.#count = records.length;
    this.#nextKey = nextKey;
    this.#compactAt = Math.max(MIN_COMPACT_RECORDS, 4 * records.length);
    // Another tab deleting or upgrading the database, or the browser clearing site data: this
    // store can no longer write, and says so from the next append.
    db.onversionchange = () => {
      db.close();
      this.#fail('the database was deleted or upgraded elsewhere');
    };
    db.onclose = () => this.#fail('the browser closed the database');
  }

  readBack(): readonly StoreRecord[] {
    return this.#records;
  }

  append(record: StoreRecord, urgent: boolean): boolean {
    if (this.#closed) throw new StoreError('STORE_IO', this.path, 'the store is closed');
    if (this.#failure !== undefined) throw this.#failure;
    const tx = this.#tx ?? this.#begin();
    this.#put(tx, encodeRecord(record), this.#nextKey++);
    // R191: an urgent record's transaction is committed at once: nothing later can join it, and it
    // leaves the page when the current task ends (Chromium sends no sooner); the rest commit
    // together at the end of the turn.
    if (urgent) this.#commit();
    this.#count++;
    return this.#count >= this.#compactAt;
  }

  /** Replaces the log by `live` in one transaction: readers see the old log or the new, never a mix (R107). */
  compact(live: readonly StoreRecord[]): void {
    if (this.#closed || this.#failure !== undefined) return;
    this.#commit();
    const tx = this.#begin();
    this.#tx = undefined;
    const store = tx.objectStore(LOG);
    store.clear();
    store.put(encodeHeader(), HEADER_KEY);
    for (const [i, record] of live.entries()) this.#put(tx, encodeRecord(record), i + 1);
    tx.commit?.();
    this.#nextKey = live.length + 1;
    this.#count = live.length;
    this.#compactAt = Math.max(MIN_COMPACT_RECORDS, 4 * live.length);
  }

  /**
   * Resolves when every record appended so far is committed.
   * @throws {@link StoreError} `STORE_IO` when a write failed.
   */
  async flushed(): Promise<void> {
    this.#commit();
    await this.#last;
    if (this.#failure !== undefined) throw this.#failure;
  }

  /** Commits what is pending, closes the database and releases the lock. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#commit();
    this.#closed = true;
    await this.#last;
    this.#db.onclose = null;
    this.#db.close();
    this.#release();
  }

  /** Starts this turn's transaction; it commits at the end of the turn unless something commits it sooner. */
  #begin(): IdbTransactionLike {
    let tx: IdbTransactionLike;
    try {
      tx = this.#db.transaction(LOG, 'readwrite');
    } catch (error) {
      throw this.#fail(`cannot write: ${(error as Error).message}`, error);
    }
    this.#tx = tx;
    const done = committed(tx).catch((error: unknown) => {
      this.#fail(`write failed: ${(error as Error).name}: ${(error as Error).message}`, error);
    });
    this.#last = this.#last.then(() => done);
    queueMicrotask(() => {
      if (this.#tx === tx) this.#commit();
    });
    return tx;
  }

  #put(tx: IdbTransactionLike, frame: Uint8Array, key: number): void {
    try {
      tx.objectStore(LOG).put(frame, key);
    } catch (error) {
      throw this.#fail(`cannot write: ${(error as Error).message}`, error);
    }
  }

  #commit(): void {
    const tx = this.#tx;
    this.#tx = undefined;
    tx?.commit?.();
  }

  #fail(reason: string, cause?: unknown): StoreError {
    this.#failure ??= new StoreError('STORE_IO', this.path, reason, { cause });
    return this.#failure;
  }
}

/**
 * Opens the session store in the IndexedDB database `name` (created if missing) and takes its
 * Web Lock. Give it to the client as `session: { store }` with `clean: false` and a fixed client id.
 * @param name - The database's name (one store per database).
 * @param options - How long to wait for the lock; the IndexedDB factory and lock manager to use
 *   instead of the globals.
 * @returns The open store; {@link IndexedDbStore.close} it when done (a reload or crash releases it too).
 * @throws {@link StoreError} `STORE_LOCKED` when another tab, worker or open in this page holds it,
 *   `STORE_CORRUPT` for a database that is not a session store or of a newer version, `STORE_IO`
 *   when it cannot be opened or read. {@link ConfigError} for an empty name or a runtime without
 *   IndexedDB or Web Locks.
 */
export async function openIndexedDbStore(
  name: string,
  options: IndexedDbStoreOptions = {},
): Promise<IndexedDbStore> {
  if (typeof name !== 'string' || name === '') {
    throw new ConfigError('name', `must be a non-empty string, got ${JSON.stringify(name)}`);
  }
  const scope = globalThis as { indexedDB?: IdbFactoryLike; navigator?: { locks?: LockManagerLike } };
  const factory = options.indexedDB ?? scope.indexedDB;
  const locks = options.locks ?? scope.navigator?.locks;
  if (factory === undefined) throw new ConfigError('indexedDB', 'this runtime has no IndexedDB');
  // Without a lock two tabs would interleave one log; a non-secure page (http: other than
  // localhost) has no `navigator.locks`.
  if (locks === undefined) {
    throw new ConfigError('locks', 'this runtime has no Web Locks (navigator.locks needs a secure context)');
  }
  const waitMs = options.lockTimeoutMs ?? 0;
  if (!Number.isFinite(waitMs) || waitMs < 0) {
    throw new ConfigError('lockTimeoutMs', `must be a number >= 0, got ${waitMs}`);
  }
  const path = `indexeddb:${name}`;
  const release = await tryLock(locks, `mqtt-lifeline:store:${name}`, waitMs);
  if (release === undefined) {
    throw new StoreError('STORE_LOCKED', path, 'another tab, worker or open in this page holds it');
  }
  try {
    const db = await openDatabase(factory, name, path);
    try {
      const { records, nextKey } = await readLog(db, path);
      return new IndexedDbStore(name, db, release, records, nextKey);
    } catch (error) {
      db.close();
      throw error;
    }
  } catch (error) {
    release();
    throw error;
  }
}

/** Opens (creating at version 1, with the header written) the database. */
async function openDatabase(factory: IdbFactoryLike, name: string, path: string): Promise<IdbDatabaseLike> {
  const request = factory.open(name, DB_VERSION);
  request.onupgradeneeded = (event) => {
    if (event.oldVersion !== 0) return;
    request.result.createObjectStore(LOG).put(encodeHeader(), HEADER_KEY);
  };
  try {
    return await settled(request);
  } catch (error) {
    const why = error as { name?: string; message?: string } | null;
    if (why?.name === 'VersionError') {
      throw new StoreError(
        'STORE_CORRUPT',
        path,
        `a newer database version; this library reads ${DB_VERSION}`,
        {
          cause: error,
        },
      );
    }
    throw new StoreError('STORE_IO', path, `cannot open: ${why?.name}: ${why?.message}`, { cause: error });
  }
}

/** Reads the log back, validating every frame as the file store does (R104, R190). */
async function readLog(
  db: IdbDatabaseLike,
  path: string,
): Promise<{ records: StoreRecord[]; nextKey: number }> {
  if (!db.objectStoreNames.contains(LOG)) {
    throw new StoreError('STORE_CORRUPT', path, `not a session store (no "${LOG}" object store)`);
  }
  let keys: unknown[];
  let values: unknown[];
  try {
    const tx = db.transaction(LOG, 'readonly');
    const store = tx.objectStore(LOG);
    [keys, values] = await Promise.all([settled(store.getAllKeys()), settled(store.getAll())]);
  } catch (error) {
    throw new StoreError('STORE_IO', path, `cannot read: ${(error as Error).message}`, { cause: error });
  }
  if (keys[0] !== HEADER_KEY || !values.every((v) => v instanceof Uint8Array)) {
    throw new StoreError(
      'STORE_CORRUPT',
      path,
      'not a session store (no header, or a value that is not bytes)',
    );
  }
  const frames = values as Uint8Array[];
  const bytes = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const frame of frames) {
    bytes.set(frame, at);
    at += frame.length;
  }
  try {
    const decoded = decodeLog(bytes);
    // A transaction is all or nothing: a cut frame here is damage, not a torn write.
    if (decoded.tornBytes > 0) throw new LogFormatError(`record at byte ${decoded.validBytes}: damaged`);
    return { records: decoded.records, nextKey: (keys[keys.length - 1] as number) + 1 };
  } catch (error) {
    if (!(error instanceof LogFormatError)) throw error;
    throw new StoreError('STORE_CORRUPT', path, error.message, { cause: error });
  }
}
