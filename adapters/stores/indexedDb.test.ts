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
import { encodeHeader, encodeRecord } from '../../protocol/storeCodec.js';
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
  /** Each put's key and value. */
  readonly puts: [number, unknown][] = [];
  committed = false;
  error: { name: string; message: string } | null = null;
  oncomplete: ((event: unknown) => void) | null = null;
  onabort: ((event: unknown) => void) | null = null;
  constructor(private readonly data: Map<number, unknown>) {}
  objectStore(): IdbObjectStoreLike {
    return {
      put: (value, key) => {
        if (this.committed) throw new Error('TransactionInactiveError');
        this.puts.push([key, value]);
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
  return { factory, transactions, data };
}

/** A lock manager for one page: `ifAvailable` requests only. */
function fakeLocks(): LockManagerLike & { held: Set<string> } {
  const held = new Set<string>();
  return {
    held,
    // As the real one: the promise settles once the lock is released.
    async request(name, _options, callback) {
      if (held.has(name)) return callback(null);
      held.add(name);
      return Promise.resolve(callback({ name })).finally(() => held.delete(name));
    },
  };
}

const sent = (packetId: number): StoreRecord => ({ type: 'sent', packetId });
/** The records' frames as one value, as the store writes them. */
const frames = (...records: StoreRecord[]): Uint8Array => {
  const parts = records.map(encodeRecord);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => {
    out.set(p, at);
    return at + p.length;
  }, 0);
  return out;
};

describe('the IndexedDB store against a hand-made IndexedDB', () => {
  it('R104, R304: a version 1 log is read as it is, and its header written again as version 2 before anything is appended', async () => {
    const { factory, data } = fakeIndexedDb();
    const header = encodeHeader();
    header[11] = 1;
    data.set(0, header);
    data.set(1, frames(sent(1), sent(2)));
    const store = await openIndexedDbStore('s', { indexedDB: factory, locks: fakeLocks() });
    expect(store.readBack()).toEqual([sent(1), sent(2)]);
    expect((data.get(0) as Uint8Array)[11]).toBe(2);
  });

  it('R191: an urgent record is put and committed at once, with the records of the turn before it; the rest wait for the end of the turn', async () => {
    const { factory, transactions } = fakeIndexedDb();
    const store = await openIndexedDbStore('s', { indexedDB: factory, locks: fakeLocks() });
    const before = transactions.length;
    store.append(sent(1), false);
    store.append(sent(2), false);
    expect(transactions.length - before).toBe(0);
    store.append(sent(3), true);
    const [urgent] = transactions.slice(before);
    // One value holding the three frames, in order, under the next key; committed before returning.
    expect(urgent?.puts).toEqual([[1, frames(sent(1), sent(2), sent(3))]]);
    expect(urgent?.committed).toBe(true);
    store.append(sent(4), false);
    expect(transactions.length - before).toBe(1);
    await Promise.resolve();
    const last = transactions.at(-1);
    expect(last).not.toBe(urgent);
    expect(last?.puts).toEqual([[2, frames(sent(4))]]);
    expect(last?.committed).toBe(true);
  });

  it("R191: under commit 'turn' every record of a turn, urgent ones too, goes in one value at the end of the turn", async () => {
    const { factory, transactions } = fakeIndexedDb();
    const store = await openIndexedDbStore('s', { indexedDB: factory, locks: fakeLocks(), commit: 'turn' });
    const before = transactions.length;
    store.append(sent(1), true);
    store.append(sent(2), true);
    expect(transactions.length - before).toBe(0);
    await Promise.resolve();
    expect(transactions.slice(before).map((tx) => [tx.puts, tx.committed])).toEqual([
      [[[1, frames(sent(1), sent(2))]], true],
    ]);
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

  it('R192: refuses a runtime without IndexedDB or Web Locks, an empty name, a negative lock timeout and an unknown commit policy', async () => {
    const { factory } = fakeIndexedDb();
    const locks = fakeLocks();
    // Node has neither global.
    await expect(openIndexedDbStore('s')).rejects.toThrow(ConfigError);
    await expect(openIndexedDbStore('s', { indexedDB: factory })).rejects.toThrow(/locks: .*secure context/);
    await expect(openIndexedDbStore('', { indexedDB: factory, locks })).rejects.toThrow(ConfigError);
    await expect(openIndexedDbStore('s', { indexedDB: factory, locks, lockTimeoutMs: -1 })).rejects.toThrow(
      /lockTimeoutMs/,
    );
    await expect(
      openIndexedDbStore('s', { indexedDB: factory, locks, commit: 'never' as 'turn' }),
    ).rejects.toThrow(/commit: must be 'urgent' or 'turn'/);
  });
});
