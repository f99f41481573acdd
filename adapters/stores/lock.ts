/**
 * The file store's system-level helpers: whole writes, directory fsync, and the lock file that
 * keeps a store to one owner (docs/spec.md R109).
 */
import { close, closeSync, fsync, fsyncSync, open, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { StoreError } from '../../errors.js';

/** Writes all of `bytes` at the file's position. */
export function writeAll(fd: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
}

/** Forces a rename in `path`'s directory to disk (where the platform allows it). */
export function syncDir(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dirname(path), 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** {@link syncDir} on the thread pool. */
export function syncDirInBackground(path: string): void {
  open(dirname(path), 'r', (error, fd) => {
    if (error === null) fsync(fd, () => close(fd, () => {}));
  });
}

/**
 * Takes the lock file (O_EXCL), replacing one left by a process that no longer runs.
 * @throws {@link StoreError} `STORE_LOCKED` when a live process holds it, `STORE_IO` when it cannot be made.
 */
export function lock(path: string, lockPath: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StoreError('STORE_IO', path, `cannot create ${lockPath}: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
    const owner = lockOwner(lockPath);
    if (owner !== undefined && isAlive(owner)) {
      const who = owner === process.pid ? 'this process' : `process ${owner}`;
      throw new StoreError('STORE_LOCKED', path, `already open in ${who} (lock file ${lockPath})`);
    }
    try {
      unlinkSync(lockPath);
    } catch {
      // Another process took the stale lock over first; the next attempt says who holds it.
    }
  }
  throw new StoreError(
    'STORE_LOCKED',
    path,
    `another process is taking the lock over (lock file ${lockPath})`,
  );
}

function lockOwner(lockPath: string): number | undefined {
  try {
    const fd = openSync(lockPath, 'r');
    const buffer = Buffer.alloc(32);
    const n = readSync(fd, buffer, 0, 32, 0);
    closeSync(fd);
    const pid = Number.parseInt(buffer.subarray(0, n).toString('utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes a file if it is there. */
export function unlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}
