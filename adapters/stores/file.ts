/**
 * The Node file store: a session log in one append-only file (format in `protocol/storeCodec.ts`),
 * with a lock file beside it and a stated fsync policy (docs/spec.md R104-R109). Node only: the
 * session owns the port (`protocol/store.ts`), and nothing outside `adapters/` imports this.
 */
import {
  closeSync,
  fdatasyncSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError, StoreError } from '../../errors.js';
import { MIN_COMPACT_RECORDS, type SessionStore, type StoreRecord } from '../../protocol/store.js';
import { decodeLog, encodeHeader, encodeRecord, LogFormatError } from '../../protocol/storeCodec.js';

/**
 * When the log is forced to disk. Every record reaches the operating system before `append`
 * returns when it must (see `SessionStore.append`), so process death loses nothing in any mode;
 * the policy decides what a power cut or kernel crash may lose.
 * - `every`: each record is written and fdatasync'd before `append` returns (nothing lost).
 * - `batched`: fdatasync every `fsyncIntervalMs` when something was written (at most that window lost).
 * - `none`: left to the operating system.
 */
export type FsyncPolicy = 'every' | 'batched' | 'none';

/** Options of {@link openFileStore}. */
export interface FileStoreOptions {
  /** @default 'batched' */
  readonly fsync?: FsyncPolicy;
  /** The `batched` interval in ms. @default 50 */
  readonly fsyncIntervalMs?: number;
}

/** A session store in a file; see {@link openFileStore}. */
export class FileStore implements SessionStore {
  /** The log file's absolute path. */
  readonly path: string;
  readonly #policy: FsyncPolicy;
  readonly #intervalMs: number;
  #fd: number;
  #records: StoreRecord[];
  /** Records in the file (the compaction policy counts these). */
  #count: number;
  #compactAt = MIN_COMPACT_RECORDS;
  /** Frames not yet written (records appended without `urgent`), and whether a flush is scheduled. */
  #buffered: Uint8Array[] = [];
  #flushQueued = false;
  #dirty = false;
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  readonly #lockPath: string;

  /** @internal Use {@link openFileStore}. */
  constructor(path: string, options: FileStoreOptions = {}) {
    this.path = resolve(path);
    this.#policy = options.fsync ?? 'batched';
    this.#intervalMs = options.fsyncIntervalMs ?? 50;
    if (!['every', 'batched', 'none'].includes(this.#policy)) {
      throw new ConfigError('fsync', `must be 'every', 'batched' or 'none', got ${String(this.#policy)}`);
    }
    if (!Number.isFinite(this.#intervalMs) || this.#intervalMs <= 0) {
      throw new ConfigError('fsyncIntervalMs', `must be a number > 0, got ${this.#intervalMs}`);
    }
    this.#lockPath = `${this.path}.lock`;
    lock(this.path, this.#lockPath);
    try {
      const { fd, records } = this.#open();
      this.#fd = fd;
      this.#records = records;
      this.#count = records.length;
      this.#compactAt = Math.max(MIN_COMPACT_RECORDS, 4 * records.length);
    } catch (error) {
      unlock(this.#lockPath);
      throw error;
    }
    if (this.#policy === 'batched') {
      this.#timer = setInterval(() => this.#sync(), this.#intervalMs);
      this.#timer.unref();
    }
  }

  readBack(): readonly StoreRecord[] {
    return this.#records;
  }

  append(record: StoreRecord, urgent: boolean): boolean {
    if (this.#closed) throw new StoreError('STORE_IO', this.path, 'the store is closed');
    this.#buffered.push(encodeRecord(record));
    this.#count++;
    if (urgent || this.#policy === 'every') this.flush();
    else if (!this.#flushQueued) {
      this.#flushQueued = true;
      setImmediate(() => this.flush());
    }
    return this.#count >= this.#compactAt;
  }

  /** Writes buffered records to the operating system (and to disk under `every`). */
  flush(): void {
    this.#flushQueued = false;
    if (this.#buffered.length === 0 || this.#closed) return;
    const frames =
      this.#buffered.length === 1 ? (this.#buffered[0] as Uint8Array) : Buffer.concat(this.#buffered);
    this.#buffered = [];
    this.#io('write', () => writeAll(this.#fd, frames));
    this.#dirty = true;
    if (this.#policy === 'every') this.#sync();
  }

  compact(live: readonly StoreRecord[]): void {
    if (this.#closed) return;
    // The snapshot supersedes whatever is still buffered.
    this.#buffered = [];
    const temp = join(dirname(this.path), `.${basename(this.path)}.compact`);
    this.#io('compact', () => {
      const fd = openSync(temp, 'w');
      try {
        writeAll(fd, Buffer.concat([encodeHeader(), ...live.map(encodeRecord)]));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, this.path);
      syncDir(this.path);
      closeSync(this.#fd);
      this.#fd = openSync(this.path, 'a');
    });
    this.#dirty = false;
    this.#count = live.length;
    this.#compactAt = Math.max(MIN_COMPACT_RECORDS, 4 * live.length);
  }

  /** Flushes, forces the log to disk, closes the file and releases the lock. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#dirty = true;
    this.#sync();
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    closeSync(this.#fd);
    unlock(this.#lockPath);
  }

  #sync(): void {
    if (!this.#dirty || this.#closed) return;
    this.#dirty = false;
    this.#io('fsync', () => fdatasyncSync(this.#fd));
  }

  #io(what: string, action: () => void): void {
    try {
      action();
    } catch (error) {
      throw new StoreError('STORE_IO', this.path, `${what} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** Opens (or creates) the log, drops a torn last record, and reads it back. */
  #open(): { fd: number; records: StoreRecord[] } {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new StoreError('STORE_IO', this.path, `cannot read: ${(error as Error).message}`, {
          cause: error,
        });
      }
      bytes = new Uint8Array(0);
    }
    let decoded: ReturnType<typeof decodeLog>;
    try {
      decoded = decodeLog(bytes);
    } catch (error) {
      if (!(error instanceof LogFormatError)) throw error;
      throw new StoreError('STORE_CORRUPT', this.path, error.message, { cause: error });
    }
    let fd = -1;
    this.#io('open', () => {
      fd = openSync(this.path, 'a+');
      if (decoded.validBytes === 0) {
        // New, or a header cut short: start the file over.
        ftruncateSync(fd, 0);
        writeAll(fd, encodeHeader());
        fsyncSync(fd);
        syncDir(this.path);
      } else if (decoded.tornBytes > 0) {
        ftruncateSync(fd, decoded.validBytes);
        fsyncSync(fd);
      }
    });
    return { fd, records: decoded.records };
  }
}

/**
 * Opens the session store at `path` (created if missing) and locks it for this process.
 * Give it to the client as `session: { store }` with `clean: false` and a fixed client id.
 * @param path - The log file; a `.lock` file is kept beside it while it is open.
 * @param options - The fsync policy.
 * @returns The open store; {@link FileStore.close} it when done.
 * @throws {@link StoreError} `STORE_CORRUPT` for a corrupted, foreign or newer-format file,
 *   `STORE_LOCKED` when another live process (or this one) has it open, `STORE_IO` when the file
 *   cannot be read or written. {@link ConfigError} for a bad option.
 */
export function openFileStore(path: string, options?: FileStoreOptions): FileStore {
  return new FileStore(path, options);
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
}

function syncDir(path: string): void {
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

/** Takes the lock file (O_EXCL), replacing one left by a process that no longer runs. */
function lock(path: string, lockPath: string): void {
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

function unlock(lockPath: string): void {
  try {
    unlinkSync(lockPath);
  } catch {
    // Already gone.
  }
}
