/**
 * The file store under faults the disk cannot be made to produce on cue: EIO on a write or an
 * fdatasync, ENOSPC halfway through a frame, a failing compaction, and the log deleted or
 * truncated underneath (docs/spec.md R200-R209). Real full, read-only and forbidden file systems
 * are in `faults.real.test.ts`.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../errors.js';
import type { StoreFaultAction, StoreFaultPolicy, StoreRecord } from '../../protocol/store.js';
import { caught, faultyFs, publishRecord } from '../../test/support/faultyFs.js';
import { FileStore, type FileStoreOptions, openFileStore } from './file.js';

let dir: string;
let path: string;
const open: FileStore[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mqtt-lifeline-faults-'));
  path = join(dir, 'session.log');
});
afterEach(() => {
  for (const store of open.splice(0)) {
    try {
      store.close();
    } catch {
      // A store closed on a failing fs reports it; the test is over.
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

const publish = (id: number): StoreRecord => publishRecord(id, `m${id}`);

interface Heard {
  readonly error: StoreError;
  readonly action: StoreFaultAction;
}

/** A store on an injected fs, with the faults it reports. */
function faultyStore(options: FileStoreOptions = {}) {
  const f = faultyFs();
  const store = new FileStore(path, options, f.fs);
  open.push(store);
  const heard: Heard[] = [];
  let wake: (() => void) | undefined;
  store.onFault((error, action) => {
    heard.push({ error, action });
    wake?.();
  });
  /** Resolves at the first fault heard (no sleeping: the store's own timer finds it). */
  const nextFault = () =>
    new Promise<Heard>((resolve) => {
      if (heard.length > 0) return resolve(heard[0] as Heard);
      wake = () => resolve(heard[0] as Heard);
    });
  return { ...f, store, heard, nextFault };
}

/** What a fresh open of the file reads back (the next process). */
function readBackFresh(): readonly StoreRecord[] {
  const store = openFileStore(path);
  const records = store.readBack();
  store.close();
  return records;
}

describe('a store that fails to write (R201-R204)', () => {
  it.each(['every', 'batched', 'none'] as const)(
    'EIO on the write of an urgent record: append throws STORE_IO IO_ERROR naming the file and the cause (fsync %s) (R201, R202)',
    (fsync) => {
      const { store, fail, heal, heard } = faultyStore({ fsync });
      store.append(publish(1), true);
      store.append(publish(2), true);
      fail('writeSync', 'EIO');
      const error = caught(() => store.append(publish(3), true));
      expect(error.code).toBe('STORE_IO');
      expect(error.fault).toBe('IO_ERROR');
      expect(error.path).toBe(path);
      expect((error.cause as NodeJS.ErrnoException).code).toBe('EIO');
      expect(error.message).toMatch(/write failed/);
      expect(heard).toEqual([{ error, action: 'stop' }]);
      // R202: latched. The disk working again does not make a gap in the log: every append throws.
      heal('writeSync');
      expect(caught(() => store.append(publish(4), true))).toBe(error);
      expect(caught(() => store.append(publish(5), false))).toBe(error);
      expect(store.durable).toBe(false);
      expect(heard).toHaveLength(1);
      store.close();
      open.pop();
      // Everything whose append returned is there; nothing after the fault.
      expect(readBackFresh()).toEqual([publish(1), publish(2)]);
    },
  );

  it('EIO on fdatasync under every: append throws, and the fault is latched (R201, R202)', () => {
    const { store, fail, heard } = faultyStore({ fsync: 'every' });
    store.append(publish(1), true);
    fail('fdatasyncSync', 'EIO');
    const error = caught(() => store.append(publish(2), true));
    expect(error.fault).toBe('IO_ERROR');
    expect(error.message).toMatch(/fsync failed/);
    expect(heard.map((h) => h.action)).toEqual(['stop']);
    expect(caught(() => store.append(publish(3), true))).toBe(error);
  });

  it('a background fdatasync that fails (batched) is a fault reported at once, never retried (R202, R203)', async () => {
    const { store, fail, calls, nextFault } = faultyStore({ fsync: 'batched', fsyncIntervalMs: 5 });
    fail('fdatasync', 'EIO');
    store.append(publish(1), true);
    const { error, action } = await nextFault();
    expect(error.fault).toBe('IO_ERROR');
    expect(action).toBe('stop');
    expect(calls('fdatasync')).toBe(1);
    // No caller was there to tell: the next append throws it.
    expect(caught(() => store.append(publish(2), true))).toBe(error);
  });

  it('ENOSPC halfway through a frame: the torn tail is dropped on reopen, and nothing is appended after it (R201, R202)', () => {
    const { store, fail, heal } = faultyStore({ fsync: 'none' });
    store.append(publish(1), true);
    const before = statSync(path).size;
    fail('writeSync', 'ENOSPC', { partial: 7 });
    const error = caught(() => store.append(publish(2), true));
    expect(error.fault).toBe('DISK_FULL');
    expect(statSync(path).size).toBe(before + 7);
    heal('writeSync');
    // Room again, but a later record after the torn one would be damage (R106): it is refused.
    expect(() => store.append(publish(3), true)).toThrow(error);
    expect(statSync(path).size).toBe(before + 7);
    store.close();
    open.pop();
    expect(readBackFresh()).toEqual([publish(1)]);
  });

  it('an end-of-turn flush that fails has no caller: reported at once, thrown by the next append (R202, R203)', async () => {
    const { store, fail, nextFault } = faultyStore({ fsync: 'none' });
    fail('writeSync', 'EIO');
    store.append({ type: 'sent', packetId: 1 }, false);
    const { error } = await nextFault();
    expect(error.fault).toBe('IO_ERROR');
    expect(caught(() => store.append(publish(2), true))).toBe(error);
  });

  it.each(['EROFS', 'EACCES'] as const)(
    '%s on a write is named READ_ONLY / PERMISSION_DENIED (R201)',
    (code) => {
      const { store, fail } = faultyStore();
      fail('writeSync', code);
      const error = caught(() => store.append(publish(1), true));
      expect(error.fault).toBe(code === 'EROFS' ? 'READ_ONLY' : 'PERMISSION_DENIED');
    },
  );

  it('after the fault, giving messages up (drop, pubrec) is not written and does not throw; anything else throws (R202)', () => {
    const { store, fail, heal, calls } = faultyStore();
    store.append(publish(1), true);
    fail('writeSync', 'EIO');
    const error = caught(() => store.append(publish(2), true));
    heal('writeSync');
    const writes = calls('writeSync');
    expect(store.append({ type: 'drop', packetId: 1 }, true)).toBe(false);
    expect(store.append({ type: 'pubrec', packetId: 1 }, true)).toBe(false);
    expect(calls('writeSync')).toBe(writes);
    for (const record of [
      { type: 'inbound', packetId: 3 },
      { type: 'release', packetId: 3 },
      { type: 'forget' },
    ] as const)
      expect(caught(() => store.append(record, true))).toBe(error);
  });

  it('close() on a failing disk releases the lock and throws the fault (R202)', () => {
    const { store, fail } = faultyStore({ fsync: 'batched' });
    store.append(publish(1), false);
    fail('writeSync', 'EIO');
    expect(() => store.close()).toThrow(StoreError);
    open.pop();
    expect(() => statSync(`${path}.lock`)).toThrow(/ENOENT/);
  });
});

describe('at open (R207)', () => {
  it.each([
    ['readFileSync', 'EIO', 'IO_ERROR', /read failed/],
    ['fsyncSync', 'EIO', 'IO_ERROR', /open failed/],
    ['writeSync', 'ENOSPC', 'DISK_FULL', /cannot create .*\.lock/],
  ] as const)(
    '%s failing with %s: openFileStore throws %s and leaves no lock behind',
    (call, code, fault, text) => {
      const f = faultyFs();
      f.fail(call, code);
      const error = caught(() => new FileStore(path, {}, f.fs));
      expect(error.code).toBe('STORE_IO');
      expect(error.fault).toBe(fault);
      expect(error.message).toMatch(text);
      expect(() => statSync(`${path}.lock`)).toThrow(/ENOENT/);
    },
  );
});

describe('the memory policy (R203, R204)', () => {
  it('the append that meets the fault throws; later ones are kept in memory only, and the file keeps the state at the fault', () => {
    const { store, fail, heard, calls } = faultyStore({ onFault: 'memory', fsync: 'every' });
    store.append(publish(1), true);
    fail('writeSync', 'ENOSPC');
    const error = caught(() => store.append(publish(2), true));
    expect(error.fault).toBe('DISK_FULL');
    expect(heard).toEqual([{ error, action: 'memory' }]);
    const writes = calls('writeSync');
    expect(store.append(publish(3), true)).toBe(false);
    expect(store.append({ type: 'complete', packetId: 1 }, false)).toBe(false);
    expect(calls('writeSync')).toBe(writes);
    expect(store.durable).toBe(false);
    expect(heard).toHaveLength(1);
    // The lock stays until close: no other process resumes a file this one has moved on from.
    expect(() => openFileStore(path)).toThrow(/already open/);
    store.close();
    open.pop();
    expect(readBackFresh()).toEqual([publish(1)]);
  });

  it('checks the option', () => {
    expect(() => openFileStore(path, { onFault: 'ignore' as StoreFaultPolicy })).toThrow(/onFault/);
  });
});

describe('compaction on a failing disk (R205)', () => {
  it('a snapshot that cannot be written is given up: no fault, the log stays whole and in use', () => {
    const { store, fail, heard } = faultyStore({ fsync: 'every' });
    store.append(publish(1), true);
    store.append(publish(2), true);
    fail('openSync', 'ENOSPC');
    expect(() => store.compact([publish(2)])).not.toThrow();
    expect(store.compacting).toBe(false);
    expect(heard).toEqual([]);
    store.append(publish(3), true);
    store.close();
    open.pop();
    expect(readBackFresh()).toEqual([publish(1), publish(2), publish(3)]);
  });

  it('a rename that fails keeps the old log (R205)', async () => {
    const { store, fail, heard } = faultyStore({ fsync: 'none' });
    store.append(publish(1), true);
    store.append(publish(2), true);
    fail('renameSync', 'EIO');
    store.compact([publish(2)]);
    while (store.compacting) await new Promise((r) => setImmediate(r));
    expect(heard).toEqual([]);
    store.close();
    open.pop();
    expect(readBackFresh()).toEqual([publish(1), publish(2)]);
  });

  it('a compaction whose log write fails never throws (it runs with no caller); the fault is reported', () => {
    const { store, fail, heard } = faultyStore({ fsync: 'none' });
    store.append(publish(1), false);
    fail('writeSync', 'EIO');
    expect(() => store.compact([publish(1)])).not.toThrow();
    expect(heard.map((h) => h.error.fault)).toEqual(['IO_ERROR']);
  });
});

describe('the log deleted or truncated underneath the running store (R206)', () => {
  const subscribe: StoreRecord = { type: 'subscribe', filter: 'a/#', qos: 1 };
  const live = [subscribe, publish(7)];

  function watched(options: FileStoreOptions = {}) {
    const s = faultyStore({ fsyncIntervalMs: 5, ...options });
    s.store.source(() => live);
    s.store.append(subscribe, true);
    s.store.append(publish(6), true);
    s.store.append(publish(7), true);
    return s;
  }

  it.each([
    ['deleted', () => unlinkSync(path)],
    ['truncated', () => truncateSync(path, 20)],
    ['emptied', () => truncateSync(path, 0)],
  ])(
    '%s: written again whole from the session state, said as rewritten, and still durable',
    async (_, damage) => {
      const { store, nextFault } = watched();
      damage();
      const { error, action } = await nextFault();
      expect(action).toBe('rewritten');
      expect(error.fault).toBe('FILE_CHANGED');
      expect(store.durable).toBe(true);
      expect(readFileSync(path).subarray(0, 8).toString('latin1')).toBe('MQLSTORE');
      store.append(publish(8), true);
      store.close();
      open.pop();
      expect(readBackFresh()).toEqual([...live, publish(8)]);
    },
  );

  it('with no session state to write it again from, it is a fault under the policy', async () => {
    const f = faultyFs();
    const store = new FileStore(path, { fsyncIntervalMs: 5 }, f.fs);
    open.push(store);
    const fault = new Promise<StoreFaultAction>((resolve) => store.onFault((_, action) => resolve(action)));
    store.append(publish(1), true);
    unlinkSync(path);
    expect(await fault).toBe('stop');
    expect(() => store.append(publish(2), true)).toThrow(/deleted or replaced underneath/);
  });

  it('when it cannot be written again (the directory is gone), it is a FILE_CHANGED fault under the policy', async () => {
    const { store, nextFault } = watched({ onFault: 'memory' });
    rmSync(dir, { recursive: true, force: true });
    const { error, action } = await nextFault();
    expect(error.fault).toBe('FILE_CHANGED');
    expect(action).toBe('memory');
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(store.append(publish(9), true)).toBe(false);
  });
});
