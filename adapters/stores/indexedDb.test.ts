/**
 * The IndexedDB store's own decisions, against a hand-made IndexedDB in Node (spec R190-R192):
 * which transaction each record goes to and when it is committed, what a failed write does to
 * later appends, and what is refused before anything is opened. Its behaviour in a real browser
 * (read back, compaction, locks across tabs, reload and crash) is proved in Chromium by
 * test/browser/indexedDb*.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, StoreError } from '../../errors.js';
import type { StoreRecord } from '../../protocol/store.js';
import type {
  IdbDatabaseLike,
  IdbFactoryLike,
  IdbObjectStoreLike,
  IdbOpenRequestLike,
  IdbRequestLike,
  IdbTransactionLike,
  LockManagerLike,
} from './idbTypes.js';
import { openIndexedDbStore } from './indexedDb.js';

/** A request that succeeds with `result` once its handlers are set (a microtask later). */
function request<T>(result: T): IdbRequestLike<T> {
  const r: IdbRequestLike<T> = { result, error: null, onsuccess: null, onerror: null };
  queueMicrotask(() => r.onsuccess?.({}));
  return r;
}

/** One transaction: what was put in it, whether `commit()` was called, and a way to end it. */
class FakeTx implements IdbTransactionLike {
  readonly puts: number[] = [];
  committed = false;
  error: { name: string; message: string } | null = null;
  oncomplete: ((event: unknown) => void) | null = null;
  onabort: ((event: unknown) => void) | null = null;
  constructor(private readonly data: Map<number, unknown>) {}
  objectStore(): IdbObjectStoreLike {
    return {
      put: (value, key) => {
        if (this.committed) throw new Error('TransactionInactiveError');
        this.puts.push(key);
        this.data.set(key, value);
        return request(undefined);
      },
      clear: () => request(undefined),
      getAll: () => request([...this.data.keys()].sort((a, b) => a - b).map((k) => this.data.get(k))),
      getAllKeys: () => request([...this.data.keys()].sort((a, b) => a - b)),
    };
  }
  commit(): void {
    this.committed = true;
  }
  abort(name: string): void {
    this.error = { name, message: `${name} (fake)` };
    this.onabort?.({});
  }
}

/** An IndexedDB holding one database, recording its transactions. */
function fakeIndexedDb(version = 1) {
  const data = new Map<number, unknown>();
  const transactions: FakeTx[] = [];
  const db: IdbDatabaseLike = {
    objectStoreNames: { contains: (name) => name === 'log' },
    createObjectStore: () => new FakeTx(data).objectStore(),
    transaction: () => {
      const tx = new FakeTx(data);
      transactions.push(tx);
      return tx;
    },
    close: () => {},
    onclose: null,
    onversionchange: null,
  };
  const factory: IdbFactoryLike = {
    open(_name, wanted) {
      const r: IdbOpenRequestLike = {
        result: db,
        error: null,
        onsuccess: null,
        onerror: null,
        onupgradeneeded: null,
        onblocked: null,
      };
      queueMicrotask(() => {
        if (version > wanted) {
          (r as { error: unknown }).error = { name: 'VersionError', message: 'newer' };
          return r.onerror?.({});
        }
        if (data.size === 0) r.onupgradeneeded?.({ oldVersion: 0 });
        r.onsuccess?.({});
      });
      return r;
    },
  };
  return { factory, transactions };
}

/** A lock manager for one page: `ifAvailable` requests only. */
function fakeLocks(): LockManagerLike & { held: Set<string> } {
  const held = new Set<string>();
  return {
    held,
    async request(name, _options, callback) {
      if (held.has(name)) return callback(null);
      held.add(name);
      void Promise.resolve(callback({ name })).finally(() => held.delete(name));
    },
  };
}

const sent = (packetId: number): StoreRecord => ({ type: 'sent', packetId });

describe('the IndexedDB store against a hand-made IndexedDB', () => {
  it('R191: records of one turn share a transaction committed at the end of the turn; an urgent one commits it at once', async () => {
    const { factory, transactions } = fakeIndexedDb();
    const store = await openIndexedDbStore('s', { indexedDB: factory, locks: fakeLocks() });
    const before = transactions.length;
    store.append(sent(1), false);
    store.append(sent(2), false);
    const [turn] = transactions.slice(before);
    expect(transactions.length - before).toBe(1);
    expect(turn?.committed).toBe(false);
    store.append(sent(3), true);
    // The urgent record went into the turn's transaction and committed it, with the two before it.
    expect(turn?.puts).toEqual([1, 2, 3]);
    expect(turn?.committed).toBe(true);
    store.append(sent(4), false);
    const next = transactions.at(-1);
    expect(next).not.toBe(turn);
    expect(next?.committed).toBe(false);
    await Promise.resolve();
    expect(next?.committed).toBe(true);
    expect(next?.puts).toEqual([4]);
  });

  it('R191 R102: a transaction that aborts after append returned fails every later append with STORE_IO', async () => {
    const { factory, transactions } = fakeIndexedDb();
    const store = await openIndexedDbStore('s', { indexedDB: factory, locks: fakeLocks() });
    store.append(sent(1), true);
    transactions.at(-1)?.abort('QuotaExceededError');
    await expect(store.flushed()).rejects.toThrow(/write failed: QuotaExceededError/);
    expect(() => store.append(sent(2), true)).toThrow(StoreError);
    expect(() => store.append(sent(2), true)).toThrow(/indexeddb:s: write failed/);
  });

  it('R190 R192: a newer database version is refused with STORE_CORRUPT, and the lock is let go', async () => {
    const { factory } = fakeIndexedDb(2);
    const locks = fakeLocks();
    const open = openIndexedDbStore('s', { indexedDB: factory, locks });
    await expect(open).rejects.toMatchObject({ code: 'STORE_CORRUPT', path: 'indexeddb:s' });
    await Promise.resolve();
    expect(locks.held.size).toBe(0);
  });

  it('R192: a second open while the first holds the lock is STORE_LOCKED; close lets it go', async () => {
    const { factory } = fakeIndexedDb();
    const locks = fakeLocks();
    const first = await openIndexedDbStore('s', { indexedDB: factory, locks });
    await expect(openIndexedDbStore('s', { indexedDB: factory, locks })).rejects.toMatchObject({
      code: 'STORE_LOCKED',
    });
    await first.close();
    await expect(openIndexedDbStore('s', { indexedDB: factory, locks })).resolves.toBeDefined();
  });

  it('R192: refuses a runtime without IndexedDB or Web Locks, an empty name and a negative lock timeout', async () => {
    const { factory } = fakeIndexedDb();
    const locks = fakeLocks();
    // Node has neither global.
    await expect(openIndexedDbStore('s')).rejects.toThrow(ConfigError);
    await expect(openIndexedDbStore('s', { indexedDB: factory })).rejects.toThrow(/locks: .*secure context/);
    await expect(openIndexedDbStore('', { indexedDB: factory, locks })).rejects.toThrow(ConfigError);
    await expect(openIndexedDbStore('s', { indexedDB: factory, locks, lockTimeoutMs: -1 })).rejects.toThrow(
      /lockTimeoutMs/,
    );
  });
});
