/**
 * The Node file store: a session log in one append-only file (format in `protocol/storeCodec.ts`),
 * with a lock file beside it and a stated fsync policy (docs/spec.md R104-R109). Node only: the
 * session owns the port (`protocol/store.ts`), and nothing outside `adapters/` imports this.
 */
import { resolve } from 'node:path';
import { StoreError } from '../../errors.js';
import {
  MIN_COMPACT_RECORDS,
  type SessionStore,
  type StoreFaultAction,
  type StoreFaultListener,
  type StoreFaultPolicy,
  type StoreRecord,
} from '../../protocol/store.js';
import { encodeRecordInto, frameSize } from '../../protocol/storeCodec.js';
import { type FileStoreOptions, type FsyncPolicy, resolveFileStoreOptions } from './fileOptions.js';
import { nodeFs, type StoreFs } from './fs.js';
import { lock, syncDir, syncDirInBackground, unlink } from './lock.js';
import { LogFile } from './logFile.js';
import { ioError, openLog } from './openLog.js';
import { Compaction, closeQuietly, dropSnapshot, type Snapshot, writeSnapshot } from './snapshot.js';

export type { FileStoreOptions, FsyncPolicy } from './fileOptions.js';

/** The write buffer's usual size: records of one event-loop turn, written with one system call. */
const BUFFER_BYTES = 64 * 1024;

/** A session store in a file; see {@link openFileStore}. */
export class FileStore implements SessionStore {
  /** The log file's absolute path. */
  readonly path: string;
  readonly #policy: FsyncPolicy;
  readonly #onFault: StoreFaultPolicy;
  readonly #fs: StoreFs;
  #log: LogFile;
  #records: StoreRecord[];
  /** Records in the file (the compaction policy counts these). */
  #count: number;
  #compactAt = MIN_COMPACT_RECORDS;
  /** Frames not yet written (records appended without `urgent`), and whether a flush is scheduled. */
  #buffer: Buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  #used = 0;
  #flushQueued = false;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** A compaction waiting for its snapshot to reach the disk (`syncing` while its fdatasync runs). */
  #compaction: Compaction | undefined;
  #closed = false;
  /** Under `stop`, the fault: every later append throws it (R202). */
  #failure: StoreError | undefined;
  /** Under `memory`, after a fault: nothing more is written (R204). */
  #inMemory = false;
  #listeners: Set<StoreFaultListener> | undefined;
  /** The session's current state, to write the log again whole (R206). */
  #live: (() => readonly StoreRecord[]) | undefined;
  readonly #lockPath: string;

  /** @internal Use {@link openFileStore}; `fs` is the test seam for failing system calls. */
  constructor(path: string, options: FileStoreOptions = {}, fs: StoreFs = nodeFs) {
    this.path = resolve(path);
    this.#fs = fs;
    const { fsync, fsyncIntervalMs, onFault } = resolveFileStoreOptions(options);
    this.#policy = fsync;
    this.#onFault = onFault;
    this.#lockPath = `${this.path}.lock`;
    lock(fs, this.path, this.#lockPath);
    try {
      const { fd, size, records } = openLog(fs, this.path);
      this.#log = new LogFile(fs, fd, size);
      this.#records = records;
      this.#count = records.length;
      this.#compactAt = Math.max(MIN_COMPACT_RECORDS, 4 * records.length);
    } catch (error) {
      unlink(fs, this.#lockPath);
      throw error;
    }
    this.#timer = setInterval(() => this.#tick(), fsyncIntervalMs);
    this.#timer.unref();
  }

  /** Whether a compaction is waiting for its snapshot to reach the disk. */
  get compacting(): boolean {
    return this.#compaction !== undefined;
  }

  /** Whether records still go to the file: false after a fault (under either policy) and after close. */
  get durable(): boolean {
    return this.#writing && !this.#closed;
  }

  get #writing(): boolean {
    return this.#failure === undefined && !this.#inMemory;
  }

  readBack(): readonly StoreRecord[] {
    return this.#records;
  }

  append(record: StoreRecord, urgent: boolean): boolean {
    if (this.#closed) throw new StoreError('STORE_IO', this.path, 'the store is closed', { fault: 'CLOSED' });
    // R204: after a fault under `memory`, the session's own memory is the store.
    if (this.#inMemory) return false;
    if (this.#failure !== undefined) {
      // Giving messages up once stopped (`disconnect({ keepQueue: false })` records a drop, or a
      // PUBREL owed for a QoS 2 message already written) cannot be recorded: they stay in the file
      // as they were and the next process sends them again (R202). Never lost, never twice in.
      if (record.type === 'drop' || record.type === 'pubrec') return false;
      throw this.#failure;
    }
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

  /**
   * Writes buffered records to the operating system (and to disk under `every`).
   * @throws {@link StoreError} `STORE_IO` when the write or fsync fails (R201, R202).
   */
  flush(): void {
    this.#flushQueued = false;
    if (this.#used === 0 || this.#closed || !this.#writing) return;
    const frames = this.#buffer.subarray(0, this.#used);
    this.#used = 0;
    this.#io('write', () => this.#log.write(frames));
    // Written to the old log now, and after the snapshot when the compaction completes.
    this.#compaction?.carried.push(Buffer.from(frames));
    // A burst may have grown the buffer; it goes back to its usual size once written.
    if (this.#buffer.length > 16 * BUFFER_BYTES) this.#buffer = Buffer.allocUnsafe(BUFFER_BYTES);
    if (this.#policy === 'every') this.#io('fsync', () => this.#log.sync());
  }

  /**
   * Writes `live` to a temporary file and renames it over the log once it is on disk. Under
   * `batched` and `none` the fdatasync runs on the thread pool: records appended meanwhile still go
   * to the old log and are copied after the snapshot just before the rename, so the log is whole
   * at every instant. Under `every` it all happens before returning. Never throws: a compaction
   * that cannot write its snapshot is given up (the old log is whole, R205).
   */
  compact(live: readonly StoreRecord[]): void {
    if (this.#closed || !this.#writing || this.#compaction !== undefined || !this.#tryFlush()) return;
    let snapshot: Snapshot;
    try {
      snapshot = writeSnapshot(this.#fs, this.path, live, this.#policy === 'every');
    } catch {
      return; // on a full disk, the next append says so
    }
    const c = new Compaction(snapshot, live.length, this.#count);
    this.#compaction = c;
    this.#compactAt = Math.max(MIN_COMPACT_RECORDS, 4 * live.length);
    if (this.#policy === 'every') {
      this.#finishCompaction(c);
      return;
    }
    c.syncing = true;
    this.#fs.fdatasync(c.snapshot.fd, (error) => {
      c.syncing = false;
      if (this.#compaction !== c) closeQuietly(this.#fs, c.snapshot.fd);
      else if (error === null) this.#finishCompaction(c);
      else this.#dropCompaction();
    });
  }

  /** Appends what was written meanwhile to the snapshot and renames it over the log (or gives it up). */
  #finishCompaction(c: Compaction): void {
    if (!this.#tryFlush()) return; // the fault gave the compaction up
    this.#compaction = undefined;
    let size: number;
    try {
      size = c.install(this.#fs, this.path);
    } catch {
      return; // not renamed: the old log is whole still
    }
    // The rename is atomic either way; forcing it to disk waits with the data under `every` only.
    if (this.#policy === 'every') syncDir(this.path);
    else syncDirInBackground(this.path);
    this.#log.replace({ fd: c.snapshot.fd, size }, c.carried.length > 0);
    this.#count = c.records + (this.#count - c.since);
  }

  /**
   * Flushes, forces the log to disk, closes the file and releases the lock. Idempotent. Throws
   * the `StoreError` of a last write or fsync that failed, after releasing everything.
   */
  close(): void {
    if (this.#closed) return;
    let failure: unknown;
    if (this.#writing) {
      try {
        this.flush();
        this.#io('fsync', () => this.#log.sync(true));
      } catch (error) {
        failure = error;
      }
    }
    this.#closed = true;
    this.#dropCompaction();
    this.#stopTimer();
    if (!this.#inMemory) this.#log.close();
    unlink(this.#fs, this.#lockPath);
    if (failure !== undefined) throw failure;
  }

  /**
   * Calls `listener` once when the store fails while running, with what it did (spec R203).
   * @param listener - The listener.
   * @returns A function that removes it.
   */
  onFault(listener: StoreFaultListener): () => void {
    this.#listeners ??= new Set();
    this.#listeners.add(listener);
    return () => this.#listeners?.delete(listener);
  }

  /**
   * The session's state now, to write the log again whole when the file changed underneath (R206).
   * @param live - The records that rebuild the current state.
   */
  source(live: () => readonly StoreRecord[]): void {
    this.#live = live;
  }

  /** The end-of-turn flush: a failure there has no caller; #failed has reported it (R203). */
  #deferredFlush(): void {
    this.#tryFlush();
  }

  /** Flushes; false when that failed (a fault, already reported). */
  #tryFlush(): boolean {
    try {
      this.flush();
      return true;
    } catch {
      return false;
    }
  }

  /** Makes room for `size` more bytes, keeping what is buffered. */
  #grow(size: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(2 * this.#buffer.length, this.#used + size));
    this.#buffer.copy(bigger, 0, 0, this.#used);
    this.#buffer = bigger;
  }

  /** Every interval: the file is still the one written (R206), and the `batched` fdatasync (R202). */
  #tick(): void {
    if (this.#closed || !this.#writing) return;
    let changed: string | undefined;
    try {
      changed = this.#log.changed();
    } catch (error) {
      this.#failed(ioError(this.path, 'fstat', error));
      return;
    }
    if (changed !== undefined) this.#rewrite(changed);
    else if (this.#policy === 'batched')
      this.#log.syncInBackground((error) => {
        // Never retried: after a failed fdatasync the kernel may have dropped the pages (R202).
        if (!this.#closed) this.#failed(ioError(this.path, 'fsync', error));
      });
  }

  /**
   * R206: the log was deleted, truncated or replaced underneath the store. The session's state is
   * what the file held: write it again whole (as a compaction) and say so; if that fails, or
   * there is no session state to write, it is a fault.
   */
  #rewrite(what: string): void {
    const reason = `the log was ${what} underneath the store`;
    const live = this.#live;
    if (live === undefined) {
      this.#failed(new StoreError('STORE_IO', this.path, reason, { fault: 'FILE_CHANGED' }));
      return;
    }
    this.#dropCompaction();
    this.#used = 0; // buffered frames are in `live` too
    const records = live();
    let snapshot: Snapshot | undefined;
    try {
      snapshot = writeSnapshot(this.#fs, this.path, records, true);
      this.#fs.renameSync(snapshot.temp, this.path);
    } catch (error) {
      if (snapshot !== undefined) dropSnapshot(this.#fs, snapshot.fd, snapshot.temp);
      const message = `${reason}, and could not be written again: ${(error as Error).message}`;
      this.#failed(new StoreError('STORE_IO', this.path, message, { fault: 'FILE_CHANGED', cause: error }));
      return;
    }
    syncDir(this.path);
    this.#log.replace(snapshot, false);
    this.#count = records.length;
    this.#compactAt = Math.max(MIN_COMPACT_RECORDS, 4 * records.length);
    const rewritten = new StoreError('STORE_IO', this.path, `${reason}: written again`, {
      fault: 'FILE_CHANGED',
    });
    this.#notify(rewritten, 'rewritten');
  }

  /** Runs a system call on the log; its failure is the store's fault (R201-R204), thrown. */
  #io(what: string, call: () => void): void {
    try {
      call();
    } catch (error) {
      const failure = ioError(this.path, what, error);
      this.#failed(failure);
      throw this.#failure ?? failure;
    }
  }

  /**
   * Applies the policy once (R203): `stop` latches the failure (every later append throws it, so
   * no record is ever written after a gap); `memory` stops writing and lets the session carry on.
   */
  #failed(failure: StoreError): void {
    if (!this.#writing || this.#closed) return;
    this.#dropCompaction();
    this.#stopTimer();
    this.#used = 0;
    if (this.#onFault === 'memory') {
      this.#inMemory = true;
      // The file keeps the state at the fault (R204); the lock stays until close.
      this.#log.close();
    } else this.#failure = failure;
    this.#notify(failure, this.#onFault);
  }

  #notify(error: StoreError, action: StoreFaultAction): void {
    if (this.#listeners === undefined) return;
    for (const listener of [...this.#listeners]) {
      try {
        listener(error, action);
      } catch {
        // A listener's throw is its own (the client guards and reports its listeners, R63).
      }
    }
  }

  #dropCompaction(): void {
    this.#compaction?.drop(this.#fs);
    this.#compaction = undefined;
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
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
