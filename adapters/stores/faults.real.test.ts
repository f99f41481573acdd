/**
 * The file store on real faulty file systems (docs/spec.md R207, R209): a tmpfs filled up
 * (ENOSPC), a read-only bind mount (EROFS), a file this process may not read or write (EACCES,
 * as an unprivileged user), and a lock held by a live process. Where the machine does not allow
 * a mount or a user switch, the same errno is injected through the store's fs seam instead, and
 * the test says so on stderr: never skipped.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../errors.js';
import type { StoreRecord } from '../../protocol/store.js';
import {
  asUser,
  bindReadOnly,
  euidUnavailable,
  fill,
  mountsUnavailable,
  mountTmpfs,
} from '../../test/support/faultyDisks.js';
import { caught, faultyFs, publishRecord } from '../../test/support/faultyFs.js';
import { FileStore, openFileStore } from './file.js';
import { nodeFs } from './fs.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mqtt-lifeline-realfaults-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const publish = (id: number): StoreRecord => publishRecord(id, `message ${id}`);

const injected = (what: string, why: string) =>
  process.stderr.write(`faults.real: ${what} injected through the fs seam: ${why}\n`);

describe('real faults, each with its error and what was kept (R200, R209)', () => {
  it('disk full: a real tmpfs filled up gives DISK_FULL (ENOSPC); every record whose append returned is read back (R201, R202, R208)', () => {
    const why = mountsUnavailable();
    const f = faultyFs();
    let dir: string;
    let free: () => void;
    if (why === undefined) {
      const disk = mountTmpfs(256 * 1024);
      cleanups.push(disk.unmount);
      dir = disk.dir;
    } else {
      injected('ENOSPC', why);
      dir = tempDir();
    }
    const path = join(dir, 'session.log');
    const store = new FileStore(path, { fsync: 'every' }, why === undefined ? nodeFs : f.fs);
    cleanups.push(() => {
      try {
        store.close();
      } catch {}
    });
    store.append(publish(1), true);
    if (why === undefined) {
      const filler = fill(dir);
      free = () => unlinkSync(filler);
    } else {
      f.fail('writeSync', 'ENOSPC', { partial: 5 });
      free = () => f.heal('writeSync');
    }
    const stored = [publish(1)];
    let error: StoreError | undefined;
    for (let id = 2; id < 100_000 && error === undefined; id++) {
      try {
        store.append(publish(id), true);
        stored.push(publish(id));
      } catch (thrown) {
        error = thrown as StoreError;
      }
    }
    expect(error).toBeInstanceOf(StoreError);
    expect(error?.code).toBe('STORE_IO');
    expect(error?.fault).toBe('DISK_FULL');
    // On the real disk, the log's last page still took records after the filler took the rest.
    if (why === undefined) expect(stored.length).toBeGreaterThan(10);
    expect(error?.path).toBe(path);
    expect((error?.cause as NodeJS.ErrnoException | undefined)?.code).toBe('ENOSPC');
    free();
    // Room again: still refused (a record after a torn one would be damage, R106).
    expect(caught(() => store.append(publish(0), true))).toBe(error);
    store.close();
    const again = openFileStore(path);
    expect(again.readBack()).toEqual(stored);
    again.close();
  });

  it('read-only file system: opening a store on a read-only bind mount throws READ_ONLY (EROFS) and changes nothing (R207)', () => {
    const source = tempDir();
    const first = openFileStore(join(source, 'session.log'));
    first.append(publish(1), true);
    first.close();
    const before = readFileSync(join(source, 'session.log'));
    const why = mountsUnavailable();
    let error: StoreError;
    if (why === undefined) {
      const ro = bindReadOnly(source);
      cleanups.push(ro.unmount);
      error = caught(() => openFileStore(join(ro.dir, 'session.log')));
      expect(error.path).toBe(join(ro.dir, 'session.log'));
    } else {
      injected('EROFS', why);
      const f = faultyFs();
      f.fail('openSync', 'EROFS');
      error = caught(() => new FileStore(join(source, 'session.log'), {}, f.fs));
    }
    expect(error.code).toBe('STORE_IO');
    expect(error.fault).toBe('READ_ONLY');
    expect((error.cause as NodeJS.ErrnoException).code).toBe('EROFS');
    expect(readFileSync(join(source, 'session.log'))).toEqual(before);
    expect(existsSync(join(source, 'session.log.lock'))).toBe(false);
  });

  it.each([
    ['a log it may not read', 0o600, /read failed/],
    ['a log it may read but not write', 0o644, /open failed/],
  ])(
    'permission denied at open (%s): PERMISSION_DENIED (EACCES), and no lock left behind (R207)',
    (_, mode, text) => {
      const dir = tempDir();
      const path = join(dir, 'session.log');
      const first = openFileStore(path);
      first.append(publish(1), true);
      first.close();
      const why = euidUnavailable();
      let error: StoreError;
      if (why === undefined) {
        // Root reads anything: the store is opened as `nobody` (65534) for the moment it takes.
        chmodSync(dir, 0o777);
        chmodSync(path, mode);
        error = caught(() => asUser(65534, () => openFileStore(path)));
      } else {
        injected('EACCES', why);
        const f = faultyFs();
        f.fail(mode === 0o600 ? 'readFileSync' : 'openSync', 'EACCES');
        // The lock is taken through openSync too: only the log's open fails.
        const real = f.fs.openSync;
        const fs = {
          ...f.fs,
          openSync: (p: string, flags: string) =>
            p.endsWith('.lock') ? nodeFs.openSync(p, flags) : real(p, flags),
        };
        error = caught(() => new FileStore(path, {}, fs));
      }
      expect(error.code).toBe('STORE_IO');
      expect(error.fault).toBe('PERMISSION_DENIED');
      expect(error.message).toMatch(text);
      expect((error.cause as NodeJS.ErrnoException).code).toBe('EACCES');
      expect(existsSync(`${path}.lock`)).toBe(false);
    },
  );

  it('permission denied for the lock file (a directory it may not write): PERMISSION_DENIED naming the lock (R207)', () => {
    const dir = tempDir();
    const path = join(dir, 'session.log');
    const why = euidUnavailable();
    let error: StoreError;
    if (why === undefined) {
      chmodSync(dir, 0o755);
      error = caught(() => asUser(65534, () => openFileStore(path)));
    } else {
      injected('EACCES', why);
      const f = faultyFs();
      f.fail('openSync', 'EACCES');
      error = caught(() => new FileStore(path, {}, f.fs));
    }
    expect(error.fault).toBe('PERMISSION_DENIED');
    expect(error.message).toContain(`${path}.lock`);
  });

  it('a lock held by a live process: STORE_LOCKED (fault LOCKED) naming its pid; taken over once it is gone (R207)', async () => {
    const dir = tempDir();
    const path = join(dir, 'session.log');
    // A real holder: another Node process that opened the store and keeps running.
    const script = `import(${JSON.stringify(new URL('./file.ts', import.meta.url).href)}).then((m) => {
      m.openFileStore(${JSON.stringify(path)}); process.stdout.write('open\\n'); setInterval(() => {}, 1000);
    });`;
    const holder = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    cleanups.push(() => holder.kill('SIGKILL'));
    await new Promise<void>((resolve, reject) => {
      holder.stdout?.on('data', (text: Buffer) => text.toString().includes('open') && resolve());
      holder.once('exit', (code) => reject(new Error(`the holder exited (${code})`)));
    });
    const error = caught(() => openFileStore(path));
    expect(error.code).toBe('STORE_LOCKED');
    expect(error.fault).toBe('LOCKED');
    expect(error.message).toContain(`process ${holder.pid}`);
    holder.kill('SIGKILL');
    await exited;
    const store = openFileStore(path);
    expect(readFileSync(`${path}.lock`, 'utf8')).toBe(`${process.pid}\n`);
    store.close();
  });
});
