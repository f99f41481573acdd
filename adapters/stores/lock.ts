/**
 * The file store's system-level helpers: whole writes, directory fsync, and the lock file that
 * keeps a store to one owner (docs/spec.md R109).
 */
import { close, closeSync, fsync, fsyncSync, open, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { StoreError } from '../../errors.js';
import { faultOf, type StoreFs } from './fs.js';

/** Writes all of `bytes` at the file's position. */
export function writeAll(fs: StoreFs, fd: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length; ) at += fs.writeSync(fd, bytes, at, bytes.length - at);
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
export function lock(fs: StoreFs, path: string, lockPath: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(lockPath, 'wx');
      try {
        writeAll(fs, fd, new TextEncoder().encode(`${process.pid}\n`));
      } finally {
        fs.closeSync(fd);
      }
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        // A lock file cut short by a full disk would read as no owner: take it away again.
        unlink(fs, lockPath);
        throw new StoreError('STORE_IO', path, `cannot create ${lockPath}: ${(error as Error).message}`, {
          cause: error,
          fault: faultOf(error),
        });
      }
    }
    const owner = lockOwner(fs, lockPath);
    if (owner !== undefined && isAlive(owner)) {
      const who = owner === process.pid ? 'this process' : `process ${owner}`;
      throw new StoreError('STORE_LOCKED', path, `already open in ${who} (lock file ${lockPath})`);
    }
    // If another process took the stale lock over first, the next attempt says who holds it.
    unlink(fs, lockPath);
  }
  throw new StoreError(
    'STORE_LOCKED',
    path,
    `another process is taking the lock over (lock file ${lockPath})`,
  );
}

function lockOwner(fs: StoreFs, lockPath: string): number | undefined {
  try {
    const fd = fs.openSync(lockPath, 'r');
    const buffer = Buffer.alloc(32);
    const n = fs.readSync(fd, buffer, 0, 32, 0);
    fs.closeSync(fd);
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
export function unlink(fs: StoreFs, path: string): void {
  try {
    fs.unlinkSync(path);
  } catch {
    // Already gone.
  }
}
