/**
 * The browser's durable session store: the session log in an IndexedDB database (layout in
 * `idbLog.ts`: the same checksummed frames as the file store's, `protocol/storeCodec.ts`), and an
 * exclusive Web Lock for one owner (docs/spec.md R190-R196, with R100-R115). No Node built-in;
 * imported only through `mqtt-lifeline/browser/indexeddb`, so the default browser client does not
 * carry it.
 */
import { ConfigError, StoreError } from '../../errors.js';
import { MIN_COMPACT_RECORDS, type SessionStore, type StoreRecord } from '../../protocol/store.js';
import { encodeHeader, encodeRecord } from '../../protocol/storeCodec.js';
import { concat, HEADER_KEY, LOG, openDatabase, readLog } from './idbLog.js';
import {
  committed,
  type IdbDatabaseLike,
  type IdbFactoryLike,
  type IdbTransactionLike,
  type LockManagerLike,
} from './idbTypes.js';
import { tryLock } from './webLock.js';

/**
 * When records reach IndexedDB (spec R191).
 * - `urgent`: a record the session marks urgent (a QoS >= 1 publish, PUBREC, an inbound QoS 2
 *   id...) is put and committed before `append` returns, in a transaction of its own; the others
 *   are written together at the end of the turn. The most a page can do; one transaction per
 *   QoS >= 1 publish.
 * - `turn`: every record of a turn is written together at the end of the turn, in one value and
 *   one transaction: much cheaper for bursts. In Chromium it is as durable as `urgent`, since
 *   Chromium sends a transaction to its storage process only when the task ends either way.
 */
export type CommitPolicy = 'urgent' | 'turn';

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
  /** When records are committed. @default 'urgent' */
  readonly commit?: CommitPolicy;
}

/** A session store in an IndexedDB database; see {@link openIndexedDbStore}. */
export class IndexedDbStore implements SessionStore {
  /** The database's name. */
  readonly name: string;
  /** `indexeddb:<name>`: how errors name the store (the file store names its file). */
  readonly path: string;
  readonly #db: IdbDatabaseLike;
  readonly #release: () => Promise<void>;
  readonly #records: readonly StoreRecord[];
  /** Records in the database (the compaction policy counts these), and the next record's key. */
  #count: number;
  #nextKey: number;
  #compactAt: number;
  readonly #commitPolicy: CommitPolicy;
  /** Frames appended but not yet put, and whether the end-of-turn write is scheduled. */
  #pending: Uint8Array[] = [];
  #scheduled = false;
  /** Settles when the latest transaction does: they commit in order (same scope, R191). */
  #last: Promise<void> = Promise.resolve();
  /** A write that failed after `append` returned; every later append throws it (R102). */
  #failure: StoreError | undefined;
  #closed = false;

  /** @internal Use {@link openIndexedDbStore}. */
  constructor(
    name: string,
    db: IdbDatabaseLike,
    release: () => Promise<void>,
    records: readonly StoreRecord[],
    nextKey: number,
    commitPolicy: CommitPolicy,
  ) {
    this.name = name;
    this.path = `indexeddb:${name}`;
    this.#db = db;
    this.#release = release;
    this.#records = records;
    this.#count = records.length;
    this.#nextKey = nextKey;
    this.#commitPolicy = commitPolicy;
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
    this.#pending.push(encodeRecord(record));
    this.#count++;
    // R191: under 'urgent' an urgent record is put and committed before `append` returns, with
    // the records of the turn before it; everything else is written once, at the end of the turn.
    if (urgent && this.#commitPolicy === 'urgent') this.#write();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => this.#deferredWrite());
    }
    return this.#count >= this.#compactAt;
  }

  /** Replaces the log by `live` in one transaction: readers see the old log or the new, never a mix (R195). */
  compact(live: readonly StoreRecord[]): void {
    if (this.#closed || this.#failure !== undefined) return;
    this.#write();
    const tx = this.#transaction();
    try {
      const store = tx.objectStore(LOG);
      store.clear();
      store.put(encodeHeader(), HEADER_KEY);
      store.put(concat(live.map(encodeRecord)), HEADER_KEY + 1);
      tx.commit?.();
    } catch (error) {
      throw this.#fail(`compaction failed: ${(error as Error).message}`, error);
    }
    this.#nextKey = HEADER_KEY + 2;
    this.#count = live.length;
    this.#compactAt = Math.max(MIN_COMPACT_RECORDS, 4 * live.length);
  }

  /**
   * Resolves when every record appended so far is committed.
   * @throws {@link StoreError} `STORE_IO` when a write failed.
   */
  async flushed(): Promise<void> {
    if (!this.#closed) this.#write();
    await this.#last;
    if (this.#failure !== undefined) throw this.#failure;
  }

  /** Commits what is pending, closes the database and releases the lock. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#deferredWrite();
    this.#closed = true;
    await this.#last;
    this.#db.onclose = null;
    this.#db.close();
    await this.#release();
  }

  /** Puts the records not yet written as one value under the next key, and commits. */
  #write(): void {
    if (this.#pending.length === 0) return;
    const chunk = concat(this.#pending);
    this.#pending = [];
    const tx = this.#transaction();
    try {
      tx.objectStore(LOG).put(chunk, this.#nextKey++);
      tx.commit?.();
    } catch (error) {
      throw this.#fail(`cannot write: ${(error as Error).message}`, error);
    }
  }

  /** The end-of-turn write: a failure there has no caller, so the next `append` reports it. */
  #deferredWrite(): void {
    this.#scheduled = false;
    if (this.#failure !== undefined) return;
    try {
      this.#write();
    } catch {
      // Kept in #failure by #write.
    }
  }

  /** A read-write transaction on the log, its outcome chained onto {@link IndexedDbStore.flushed}'s. */
  #transaction(): IdbTransactionLike {
    let tx: IdbTransactionLike;
    try {
      tx = this.#db.transaction(LOG, 'readwrite');
    } catch (error) {
      throw this.#fail(`cannot write: ${(error as Error).message}`, error);
    }
    const done = committed(tx).catch((error: unknown) => {
      this.#fail(`write failed: ${(error as Error).name}: ${(error as Error).message}`, error);
    });
    this.#last = this.#last.then(() => done);
    return tx;
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
 * @param options - How long to wait for the lock, when records are committed, and the IndexedDB
 *   factory and lock manager to use instead of the globals.
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
  const commitPolicy = options.commit ?? 'urgent';
  if (commitPolicy !== 'urgent' && commitPolicy !== 'turn') {
    throw new ConfigError('commit', `must be 'urgent' or 'turn', got ${String(commitPolicy)}`);
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
      return new IndexedDbStore(name, db, release, records, nextKey, commitPolicy);
    } catch (error) {
      db.close();
      throw error;
    }
  } catch (error) {
    await release();
    throw error;
  }
}
