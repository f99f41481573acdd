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
