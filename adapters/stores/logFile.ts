/**
 * A file store's open log: its descriptor, the bytes written to it, its fsyncs (R105), and whether
 * the file on disk is still the one written (R206). Failures are thrown (or handed over) as the
 * system errors they are: the store decides what they mean (R202).
 */
import type { StoreFs } from './fs.js';
import { writeAll } from './lock.js';
import { closeQuietly, type Snapshot } from './snapshot.js';

/** The log file of a file store, open for appending. */
export class LogFile {
  readonly #fs: StoreFs;
  #fd: number;
  /** The bytes this store wrote: a file of another size changed underneath it (R206). */
  #size: number;
  #dirty = false;
  /** A background fdatasync running on the thread pool, and descriptors to close after it. */
  #syncing = false;
  #closeAfterSync: number[] = [];

  /**
   * @param fs - The system calls.
   * @param fd - The open log.
   * @param size - Its size now.
   */
  constructor(fs: StoreFs, fd: number, size: number) {
    this.#fs = fs;
    this.#fd = fd;
    this.#size = size;
  }

  /**
   * Writes `frames` at the end of the log.
   * @throws the system error (a part of `frames` may have been written: a torn tail).
   */
  write(frames: Uint8Array): void {
    writeAll(this.#fs, this.#fd, frames);
    this.#size += frames.length;
    this.#dirty = true;
  }

  /**
   * fdatasyncs the log now, if anything was written since the last one (or `always`).
   * @throws the system error.
   */
  sync(always = false): void {
    if (!this.#dirty && !always) return;
    this.#dirty = false;
    this.#fs.fdatasyncSync(this.#fd);
  }

  /** fdatasyncs the log on the thread pool if anything was written; `failed` hears an error. */
  syncInBackground(failed: (error: NodeJS.ErrnoException) => void): void {
    if (!this.#dirty || this.#syncing) return;
    this.#dirty = false;
    this.#syncing = true;
    this.#fs.fdatasync(this.#fd, (error) => {
      this.#syncing = false;
      for (const fd of this.#closeAfterSync.splice(0)) closeQuietly(this.#fs, fd);
      if (error !== null) failed(error);
    });
  }

  /**
   * How the file differs from what was written (R206): deleted or replaced (no link left),
   * truncated, or grown by someone else; undefined when it is as written.
   * @throws the `fstat` error.
   */
  changed(): string | undefined {
    const { nlink, size } = this.#fs.fstatSync(this.#fd);
    if (nlink === 0) return 'deleted or replaced';
    if (size < this.#size) return `truncated to ${size} of ${this.#size} bytes`;
    if (size > this.#size) return 'written to by something else';
    return undefined;
  }

  /**
   * Makes `snapshot`, renamed over the log, the log: appends go to it from now on.
   * @param snapshot - Its descriptor and size (with anything written to it after the snapshot).
   * @param dirty - Whether it has bytes not yet fdatasync'd.
   */
  replace(snapshot: Pick<Snapshot, 'fd' | 'size'>, dirty: boolean): void {
    this.close();
    this.#fd = snapshot.fd;
    this.#size = snapshot.size;
    this.#dirty = dirty;
  }

  /** Closes the descriptor now, or after the background fdatasync that may still use it. */
  close(): void {
    if (this.#syncing) this.#closeAfterSync.push(this.#fd);
    else closeQuietly(this.#fs, this.#fd);
  }
}
