/**
 * The session store conformance suite (docs/spec.md R194): the same cases run against every
 * `SessionStore` that persists, the Node file store in vitest (adapters/stores/conformance.test.ts)
 * and the IndexedDB store inside real Chromium (test/browser/indexedDb.test.ts, through
 * test/support/idbLab.ts). Plain async functions that throw on failure, with no test framework
 * and no Node built-in, so that the browser runs them unchanged.
 */
import { StoreError } from '../../errors.js';
import { encodePublish } from '../../protocol/encode.js';
import { MIN_COMPACT_RECORDS, type SessionStore, type StoreRecord } from '../../protocol/store.js';

/** How the suite reaches one kind of store. */
export interface ConformanceHarness {
  /** Names the store in failures. */
  readonly label: string;
  /** A location no store has used yet (a file path, a database name). */
  fresh(): string;
  /** Opens (creating) the store at `where`, taking its lock. */
  open(where: string): Promise<SessionStore>;
  /** Closes it, releasing the lock once everything appended is stored. */
  close(store: SessionStore): Promise<void> | void;
  /** Resolves once everything appended so far is stored (compaction included). */
  settle(store: SessionStore): Promise<void> | void;
  /** Replaces what is at `where` by something that is not a session log of this version. */
  spoil?(where: string): Promise<void> | void;
}

/** One case of the suite. */
export interface ConformanceCase {
  readonly name: string;
  run(h: ConformanceHarness): Promise<void>;
}

/** One case's outcome. */
export interface ConformanceResult {
  readonly name: string;
  /** Why it failed; absent when it passed. */
  readonly error?: string;
}

const publish = (packetId: number, topic: string, payload: string, qos: 1 | 2): StoreRecord => ({
  type: 'publish',
  packetId,
  packet: encodePublish(topic, payload, qos, false, false, packetId),
});

/** One record of every type (R100), a non-ASCII filter and payload included. */
const EVERY_TYPE: readonly StoreRecord[] = [
  publish(1, 'a/b', 'one', 1),
  publish(2, 'é/ü', 'zwei ✓', 2),
  { type: 'sent', packetId: 1 },
  { type: 'sent', packetId: 2 },
  { type: 'pubrec', packetId: 2 },
  { type: 'complete', packetId: 1 },
  { type: 'drop', packetId: 3 },
  { type: 'inbound', packetId: 7 },
  { type: 'release', packetId: 7 },
  { type: 'forget' },
  { type: 'subscribe', filter: 'sensors/+/température', qos: 2 },
  { type: 'unsubscribe', filter: 'old/#' },
];

/** Records as comparable text: fields in name order, bytes (a Buffer too) as number arrays. */
const show = (records: readonly StoreRecord[]): string =>
  JSON.stringify(
    records.map((r) =>
      Object.entries(r)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]: [string, unknown]) => [k, v instanceof Uint8Array ? Array.from(v) : v]),
    ),
  );

function expectRecords(actual: readonly StoreRecord[], expected: readonly StoreRecord[], what: string): void {
  if (show(actual) !== show(expected)) {
    throw new Error(`${what}: read back ${show(actual)}, expected ${show(expected)}`);
  }
}

async function expectStoreError(
  code: StoreError['code'],
  action: () => unknown,
  what: string,
): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (error instanceof StoreError && error.code === code) return;
    throw new Error(`${what}: expected StoreError ${code}, got ${String(error)}`);
  }
  throw new Error(`${what}: expected StoreError ${code}, nothing was thrown`);
}

/** Appends `records`, urgent or not in turn, and returns what `append` answered. */
function appendAll(store: SessionStore, records: readonly StoreRecord[]): boolean[] {
  return records.map((r, i) => store.append(r, i % 2 === 0));
}

/** Opens `where`, hands the store to `use`, and closes it whatever happens. */
async function withStore<T>(h: ConformanceHarness, where: string, use: (s: SessionStore) => Promise<T> | T) {
  const store = await h.open(where);
  try {
    return await use(store);
  } finally {
    await h.close(store);
  }
}

/** The cases, each citing the rules it checks. */
export const CONFORMANCE_CASES: readonly ConformanceCase[] = [
  {
    name: 'R100 R194: a new store reads back nothing; every record type comes back in append order after a reopen',
    async run(h) {
      const where = h.fresh();
      await withStore(h, where, (s) => {
        expectRecords(s.readBack(), [], 'a new store');
        appendAll(s, EVERY_TYPE);
      });
      await withStore(h, where, (s) => expectRecords(s.readBack(), EVERY_TYPE, 'after reopening'));
    },
  },
  {
    name: 'R107 R194 R195: compaction replaces the log by the live records, and later appends follow them',
    async run(h) {
      const where = h.fresh();
      const live = [publish(9, 'k', 'kept', 1), { type: 'subscribe', filter: 'k/#', qos: 1 } as const];
      const after: StoreRecord = { type: 'sent', packetId: 9 };
      await withStore(h, where, async (s) => {
        appendAll(s, EVERY_TYPE);
        s.compact(live);
        s.append(after, true);
        await h.settle(s);
      });
      await withStore(h, where, (s) => expectRecords(s.readBack(), [...live, after], 'after compaction'));
    },
  },
  {
    name: 'R107 R194 R195: append asks for compaction at 1024 records, then at 4x the live records',
    async run(h) {
      await withStore(h, h.fresh(), async (s) => {
        const record: StoreRecord = { type: 'sent', packetId: 1 };
        const asks = Array.from({ length: MIN_COMPACT_RECORDS }, () => s.append(record, false));
        if (asks.indexOf(true) !== MIN_COMPACT_RECORDS - 1) {
          throw new Error(`first asked at record ${asks.indexOf(true) + 1}, expected ${MIN_COMPACT_RECORDS}`);
        }
        const live = Array.from({ length: 300 }, (_, i) => publish(i + 1, 't', `${i}`, 1));
        s.compact(live);
        // 300 live records: the next ask is at 1200 records, 900 appends later.
        const later = Array.from({ length: 900 }, () => s.append(record, false));
        if (later.indexOf(true) !== 899)
          throw new Error(`asked after ${later.indexOf(true) + 1} appends, expected 900`);
        await h.settle(s);
      });
    },
  },
  {
    name: 'R109 R192 R194: a second open of an open store is refused with STORE_LOCKED; after close it opens',
    async run(h) {
      const where = h.fresh();
      const first = await h.open(where);
      try {
        await expectStoreError('STORE_LOCKED', () => h.open(where), 'a second open');
      } finally {
        await h.close(first);
      }
      await withStore(h, where, () => {});
    },
  },
  {
    name: 'R102 R194: a closed store refuses to append with STORE_IO',
    async run(h) {
      const store = await h.open(h.fresh());
      await h.close(store);
      await expectStoreError('STORE_IO', () => store.append({ type: 'forget' }, true), 'append after close');
    },
  },
  {
    name: 'R104 R190 R194: something that is not a session log is refused with STORE_CORRUPT, and stays locked to nobody',
    async run(h) {
      if (h.spoil === undefined) return;
      const where = h.fresh();
      await withStore(h, where, (s) => appendAll(s, EVERY_TYPE));
      await h.spoil(where);
      await expectStoreError('STORE_CORRUPT', () => h.open(where), 'opening a spoiled store');
      // The refused open released its lock: the same answer again, not STORE_LOCKED.
      await expectStoreError('STORE_CORRUPT', () => h.open(where), 'opening it again');
    },
  },
];

/** Runs every case in turn; a failing case does not stop the others. */
export async function runConformance(h: ConformanceHarness): Promise<ConformanceResult[]> {
  const results: ConformanceResult[] = [];
  for (const c of CONFORMANCE_CASES) {
    try {
      await c.run(h);
      results.push({ name: c.name });
    } catch (error) {
      results.push({
        name: c.name,
        error: `${h.label}: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }
  return results;
}
