/**
 * A file store's snapshot: the records that rebuild a session's state, written to a temporary
 * file beside the log, to be renamed over it (compaction, R107; a log written again after it
 * changed underneath the store, R206).
 */
import { basename, dirname, join } from 'node:path';
import type { StoreRecord } from '../../protocol/store.js';
import { encodeHeader, encodeRecord } from '../../protocol/storeCodec.js';
import type { StoreFs } from './fs.js';
import { unlink, writeAll } from './lock.js';

/** A snapshot file written and open: its descriptor, its path and its size in bytes. */
export interface Snapshot {
  readonly fd: number;
  readonly temp: string;
  readonly size: number;
}

/**
 * Writes `records` to `.<log>.compact` beside the log at `path`, and fsyncs it if `sync`.
 * @throws the system error, after removing the temporary file.
 */
export function writeSnapshot(
  fs: StoreFs,
  path: string,
  records: readonly StoreRecord[],
  sync: boolean,
): Snapshot {
  const temp = join(dirname(path), `.${basename(path)}.compact`);
  let fd = -1;
  try {
    fd = fs.openSync(temp, 'w');
    const bytes = Buffer.concat([encodeHeader(), ...records.map(encodeRecord)]);
    writeAll(fs, fd, bytes);
    if (sync) fs.fsyncSync(fd);
    return { fd, temp, size: bytes.length };
  } catch (error) {
    dropSnapshot(fs, fd, temp);
    throw error;
  }
}

/** Closes a snapshot's descriptor (unless -1) and removes its file. */
export function dropSnapshot(fs: StoreFs, fd: number, temp: string): void {
  if (fd !== -1) closeQuietly(fs, fd);
  unlink(fs, temp);
}

/** Closes `fd`; a close that fails (EIO on some file systems) has nothing left to lose. */
export function closeQuietly(fs: StoreFs, fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // The descriptor is released either way.
  }
}

/** A compaction under way (R107): its snapshot, and the frames appended to the old log meanwhile. */
export class Compaction {
  /** Frames written to the old log since the snapshot, to append to it before the rename. */
  readonly carried: Uint8Array[] = [];
  /** While its fdatasync runs on the thread pool (whose callback then owns the descriptor). */
  syncing = false;

  /**
   * @param snapshot - The snapshot file.
   * @param records - How many records it holds.
   * @param since - The log's record count when it was taken.
   */
  constructor(
    readonly snapshot: Snapshot,
    readonly records: number,
    readonly since: number,
  ) {}

  /**
   * Appends the carried frames to the snapshot and renames it over the log at `path`.
   * @returns Its size in bytes.
   * @throws the system error, after giving the snapshot up (the old log is whole).
   */
  install(fs: StoreFs, path: string): number {
    const { fd, temp, size } = this.snapshot;
    let total = size;
    try {
      for (const frames of this.carried) {
        writeAll(fs, fd, frames);
        total += frames.length;
      }
      fs.renameSync(temp, path);
    } catch (error) {
      dropSnapshot(fs, fd, temp);
      throw error;
    }
    return total;
  }

  /** Gives it up: removes its file, and closes it unless its fdatasync callback still will. */
  drop(fs: StoreFs): void {
    if (this.syncing) unlink(fs, this.snapshot.temp);
    else dropSnapshot(fs, this.snapshot.fd, this.snapshot.temp);
  }
}
