/**
 * The Node file store on a real disk: read back, torn tails, corrupted and foreign files, the
 * lock, compaction (docs/spec.md R100-R115).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../errors.js';
import { encodePublish, encodeTopic } from '../../protocol/encode.js';
import { MIN_COMPACT_RECORDS, type StoreRecord } from '../../protocol/store.js';
import { broker, createHarness, describePackets } from '../../test/support/sessionHarness.js';
import { type FileStore, openFileStore } from './file.js';

let dir: string;
let path: string;
const open: FileStore[] = [];
const openStore = (options?: Parameters<typeof openFileStore>[1]): FileStore => {
  const store = openFileStore(path, options);
  open.push(store);
  return store;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mqtt-lifeline-store-'));
  path = join(dir, 'session.log');
});
afterEach(() => {
  for (const store of open.splice(0)) store.close();
  rmSync(dir, { recursive: true, force: true });
});

const packet = (id: number, payload: string) =>
  encodePublish(encodeTopic('t'), payload, 1, false, false, id, payload.length);
const RECORDS: StoreRecord[] = [
  { type: 'subscribe', filter: 'a/+', qos: 1 },
  { type: 'publish', packetId: 1, packet: packet(1, 'one') },
  { type: 'sent', packetId: 1 },
  { type: 'publish', packetId: 2, packet: packet(2, 'two') },
  { type: 'inbound', packetId: 9 },
];

function expectStoreError(fn: () => unknown, code: string, text: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(StoreError);
  expect((caught as StoreError).code).toBe(code);
  expect((caught as StoreError).path).toBe(path);
  expect((caught as StoreError).message).toMatch(text);
}

describe('the file store (R104-R109)', () => {
  it('reads back what was appended, in order, after close and reopen (every fsync policy)', () => {
    for (const fsync of ['every', 'batched', 'none'] as const) {
      rmSync(path, { force: true });
      const store = openStore({ fsync });
      for (const r of RECORDS) store.append(r, false);
      store.close();
      const again = openStore({ fsync });
      expect(again.readBack()).toEqual(RECORDS);
      again.close();
    }
  });

  it('writes an urgent record before append returns (R105)', () => {
    const store = openStore({ fsync: 'none' });
    store.append(RECORDS[0] as StoreRecord, false);
    const before = statSync(path).size;
    store.append(RECORDS[1] as StoreRecord, true);
    // Both frames are in the file now: the urgent one carries the buffered one with it.
    expect(statSync(path).size).toBeGreaterThan(before + 24);
  });

  it('drops a torn last record at any cut, truncates it away, and appends after it (R106)', () => {
    const store = openStore();
    for (const r of RECORDS) store.append(r, true);
    store.close();
    const whole = readFileSync(path);
    const lastFrame = 12 + 3; // the inbound record: frame header + type + id
    for (let cut = 1; cut < lastFrame; cut++) {
      writeFileSync(path, whole.subarray(0, whole.length - cut));
      const reopened = openStore();
      expect(reopened.readBack()).toEqual(RECORDS.slice(0, -1));
      expect(statSync(path).size).toBe(whole.length - lastFrame);
      reopened.append({ type: 'release', packetId: 3 }, true);
      reopened.close();
      expect(openStore().readBack()).toEqual([...RECORDS.slice(0, -1), { type: 'release', packetId: 3 }]);
      open.pop()?.close();
    }
  });

  it('drops a last record whose checksum fails (zeros from a power cut) (R106)', () => {
    const store = openStore();
    for (const r of RECORDS) store.append(r, true);
    store.close();
    const bytes = readFileSync(path);
    bytes.writeUInt8((bytes.at(-1) ?? 0) ^ 0xff, bytes.length - 1);
    writeFileSync(path, bytes);
    expect(openStore().readBack()).toEqual(RECORDS.slice(0, -1));
  });

  it('refuses a corrupted file with STORE_CORRUPT naming it, and leaves it untouched (R106)', () => {
    const store = openStore();
    for (const r of RECORDS) store.append(r, true);
    store.close();
    const bytes = readFileSync(path);
    bytes.writeUInt8((bytes.at(26) ?? 0) ^ 0x01, 26); // inside the first record's frame
    writeFileSync(path, bytes);
    expectStoreError(() => openFileStore(path), 'STORE_CORRUPT', /checksum mismatch/);
    expect(readFileSync(path)).toEqual(bytes);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('refuses a foreign file and a file of another format version with STORE_CORRUPT (R104)', () => {
    writeFileSync(path, '{"format":"something else"}\n');
    expectStoreError(() => openFileStore(path), 'STORE_CORRUPT', /not a session log/);
    const header = Buffer.from('MQLSTORE\0\0\0\x03', 'latin1');
    writeFileSync(path, header);
    expectStoreError(() => openFileStore(path), 'STORE_CORRUPT', /format version 3/);
  });

  it('R104, R304: a version 1 log is read as it is and written again as version 2 before anything is appended', () => {
    const store = openStore();
    for (const r of RECORDS) store.append(r, true);
    store.close();
    open.pop();
    const v1 = readFileSync(path);
    v1.writeUInt32BE(1, 8);
    writeFileSync(path, v1);
    const again = openStore();
    expect(again.readBack()).toEqual(RECORDS);
    const annex = new Uint8Array([1, 2, 3]);
    again.append({ type: 'publish', packetId: 9, packet: packet(9, 'p'), annex }, true);
    again.close();
    open.pop();
    const bytes = readFileSync(path);
    expect(bytes.readUInt32BE(8)).toBe(2);
    const back = openStore().readBack();
    expect(back.slice(0, -1)).toEqual(RECORDS);
    const last = back.at(-1);
    expect(last?.type === 'publish' ? [...(last.annex ?? [])] : []).toEqual([1, 2, 3]);
  });

  it('refuses a second open while the first holds the lock, in this process or another (R109)', async () => {
    const store = openStore();
    expectStoreError(() => openFileStore(path), 'STORE_LOCKED', /already open in this process/);
    store.close();
    open.pop();
    // Another live process holding the lock.
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    await new Promise((r) => holder.once('spawn', r));
    writeFileSync(`${path}.lock`, `${holder.pid}\n`);
    expectStoreError(() => openFileStore(path), 'STORE_LOCKED', new RegExp(`process ${holder.pid}`));
    const exited = new Promise((r) => holder.once('exit', r));
    holder.kill('SIGKILL');
    await exited;
    // Its holder is dead now: the stale lock is taken over.
    expect(openStore().readBack()).toEqual([]);
  });

  // `every` compacts before `append` returns: the log never exceeds its threshold plus what is
  // pending. The other policies compact in the background: the log shrinks, restores the same.
  it.each([
    ['every', MIN_COMPACT_RECORDS + 10],
    ['none', 3 * 3000 - MIN_COMPACT_RECORDS],
  ] as const)(
    'compacts the file to what is pending (fsync %s), and a session on it resumes exactly that (R107)',
    async (fsync, most) => {
      const store = openStore({ fsync });
      const h = createHarness({ store, maxInflight: 5 });
      h.session.connected(true);
      for (let i = 0; i < 3000; i++) {
        const { packetId } = h.session.publish('t', `m${i}`, 1, false);
        if (i < 2995) h.session.handle(broker.puback(packetId));
        if (i % 100 === 0) await new Promise((r) => setImmediate(r));
      }
      await new Promise((r) => setImmediate(r));
      while (store.compacting) await new Promise((r) => setImmediate(r));
      store.close();
      open.pop();
      const reopened = openStore();
      expect(reopened.readBack().length).toBeLessThanOrEqual(most);
      const h2 = createHarness({ store: reopened });
      h2.session.connected(true);
      const written = describePackets(h2.take());
      expect(written).toHaveLength(5);
      expect(written.every((w) => w.includes(':dup:'))).toBe(true);
    },
  );

  it('checks its options', () => {
    expect(() => openFileStore(path, { fsync: 'sometimes' as never })).toThrow(/fsync/);
    expect(() => openFileStore(path, { fsyncIntervalMs: 0 })).toThrow(/fsyncIntervalMs/);
  });
});
