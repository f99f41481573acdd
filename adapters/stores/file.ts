/**
 * The Node file store: a session log in one append-only file (format in `protocol/storeCodec.ts`),
 * with a lock file beside it and a stated fsync policy (docs/spec.md R104-R109). Node only: the
 * session owns the port (`protocol/store.ts`), and nothing outside `adapters/` imports this.
 */
import {
  closeSync,
  fdatasync,
  fdatasyncSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  renameSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError, StoreError } from '../../errors.js';
import { MIN_COMPACT_RECORDS, type SessionStore, type StoreRecord } from '../../protocol/store.js';
import {
  decodeLog,
  encodeHeader,
  encodeRecord,
  encodeRecordInto,
  frameSize,
  LogFormatError,
} from '../../protocol/storeCodec.js';
import { lock, syncDir, syncDirInBackground, unlink, writeAll } from './lock.js';

/**
 * When the log is forced to disk. Every record reaches the operating system before `append`
 * returns when it must (see `SessionStore.append`), so process death loses nothing in any mode;
 * the policy decides what a power cut or kernel crash may lose.
 * - `every`: every write is fdatasync'd: an urgent record (with the records buffered before it) is
 *   on disk before `append` returns, so nothing a packet depends on is lost to a power cut.
 * - `batched`: fdatasync every `fsyncIntervalMs` when something was written (at most that window lost).
 * - `none`: left to the operating system.
 */
export type FsyncPolicy = 'every' | 'batched' | 'none';

/** The write buffer's usual size: records of one event-loop turn, written with one system call. */
const BUFFER_BYTES = 64 * 1024;

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
  #buffer: Buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  #used = 0;
  #flushQueued = false;
  #dirty = false;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** A compaction waiting for its snapshot to reach the disk. */
  #compaction:
    | { fd: number; temp: string; carried: Uint8Array[]; records: number; since: number }
    | undefined;
  /** A batched fdatasync running on the thread pool, and file descriptors to close after it. */
  #syncing = false;
  #closeAfterSync: number[] = [];
  #closed = false;
  /** A write that failed with no caller to tell (see `#deferredFlush`); every later append throws it. */
  #failure: StoreError | undefined;
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
      unlink(this.#lockPath);
      throw error;
    }
    if (this.#policy === 'batched') {
      this.#timer = setInterval(() => this.#syncInBackground(), this.#intervalMs);
      this.#timer.unref();
    }
  }

  /** Whether a compaction is waiting for its snapshot to reach the disk. */
  get compacting(): boolean {
    return this.#compaction !== undefined;
  }

  readBack(): readonly StoreRecord[] {
    return this.#records;
  }

  append(record: StoreRecord, urgent: boolean): boolean {
    if (this.#closed) throw new StoreError('STORE_IO', this.path, 'the store is closed');
    if (this.#failure !== undefined) throw this.#failure;
    const size = frameSize(record);
    if (this.#used + size > this.#buffer.length) this.#grow(size);
    this.#used = encodeRecordInto(this.#buffer, this.#used, record);
    this.#count++;
    if (urgent) this.flush();
    else if (!this.#flushQueued) {
      this.#flushQueued = true;
      setImmediate(() => this.#deferredFlush());
    }
    return this.#count >= this.#compactAt;
  }

  /** Writes buffered records to the operating system (and to disk under `every`). */
  flush(): void {
    this.#flushQueued = false;
    if (this.#used === 0 || this.#closed) return;
    const frames = this.#buffer.subarray(0, this.#used);
    this.#used = 0;
    this.#io('write', () => writeAll(this.#fd, frames));
    // Written to the old log now, and after the snapshot when the compaction completes.
    this.#compaction?.carried.push(Buffer.from(frames));
    // A burst may have grown the buffer; it goes back to its usual size once written.
    if (this.#buffer.length > 16 * BUFFER_BYTES) this.#buffer = Buffer.allocUnsafe(BUFFER_BYTES);
    this.#dirty = true;
    if (this.#policy === 'every') this.#sync();
  }

  /**
   * Writes `live` to a temporary file and renames it over the log once it is on disk. Under
   * `batched` and `none` the fdatasync runs on the thread pool: records appended meanwhile still go
   * to the old log and are copied after the snapshot just before the rename, so the log is whole
   * at every instant. Under `every` it all happens before returning.
   */
  compact(live: readonly StoreRecord[]): void {
    if (this.#closed || this.#compaction !== undefined) return;
    this.flush();
    const temp = join(dirname(this.path), `.${basename(this.path)}.compact`);
    let fd = -1;
    this.#io('compact', () => {
      fd = openSync(temp, 'w');
      writeAll(fd, Buffer.concat([encodeHeader(), ...live.map(encodeRecord)]));
    });
    const compaction = { fd, temp, carried: [] as Uint8Array[], records: live.length, since: this.#count };
    this.#compaction = compaction;
    this.#compactAt = Math.max(MIN_COMPACT_RECORDS, 4 * live.length);
    if (this.#policy === 'every') {
      this.#io('compact', () => fsyncSync(fd));
      this.#finishCompaction();
      return;
    }
    fdatasync(fd, (error) => {
      if (this.#compaction !== compaction) return closeSync(fd);
      if (error === null) {
        try {
          return this.#finishCompaction();
        } catch (failure) {
          // No caller here: the next append reports it (the old log is whole up to the failure).
          this.#failure = failure as StoreError;
        }
      }
      // The old log is whole: give this compaction up, a later append asks again.
      this.#compaction = undefined;
      closeSync(fd);
    });
  }

  /** Appends what was written meanwhile to the snapshot, renames it over the log and writes to it from now on. */
  #finishCompaction(): void {
    const c = this.#compaction;
    if (c === undefined) return;
    this.flush();
    this.#compaction = undefined;
    this.#io('compact', () => {
      for (const frames of c.carried) writeAll(c.fd, frames);
      renameSync(c.temp, this.path);
    });
    // The rename is atomic either way; forcing it to disk waits with the data under `every` only.
    if (this.#policy === 'every') syncDir(this.path);
    else syncDirInBackground(this.path);
    this.#closeFd(this.#fd);
    this.#fd = c.fd;
    this.#dirty = c.carried.length > 0;
    this.#count = c.records + (this.#count - c.since);
  }

  /** Flushes, forces the log to disk, closes the file and releases the lock. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#dirty = true;
    this.#sync();
    this.#closed = true;
    // A compaction still running is given up: the log is whole without it.
    if (this.#compaction !== undefined) {
      unlink(this.#compaction.temp);
      this.#compaction = undefined;
    }
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#closeFd(this.#fd);
    unlink(this.#lockPath);
  }

  /** The end-of-turn flush: a failure there has no caller, so the next `append` reports it. */
  #deferredFlush(): void {
    try {
      this.flush();
    } catch (error) {
      this.#failure = error as StoreError;
    }
  }

  /** Makes room for `size` more bytes, keeping what is buffered. */
  #grow(size: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(2 * this.#buffer.length, this.#used + size));
    this.#buffer.copy(bigger, 0, 0, this.#used);
    this.#buffer = bigger;
  }

  /** `batched`: fdatasync off the event loop, so the session never waits for the disk. */
  #syncInBackground(): void {
    if (!this.#dirty || this.#closed || this.#syncing) return;
    this.#dirty = false;
    this.#syncing = true;
    fdatasync(this.#fd, (error) => {
      // A failed background sync is retried on the next tick of the timer.
      if (error !== null) this.#dirty = true;
      this.#syncing = false;
      for (const fd of this.#closeAfterSync.splice(0)) closeSync(fd);
    });
  }

  /** Closes `fd` now, or after the background sync that may still use it. */
  #closeFd(fd: number): void {
    if (this.#syncing) this.#closeAfterSync.push(fd);
    else closeSync(fd);
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
