/**
 * Opening a file store's log: read it back, drop a torn last record (docs/spec.md R106), and name
 * what the operating system refused (R201).
 */
import { StoreError } from '../../errors.js';
import type { StoreRecord } from '../../protocol/store.js';
import { decodeLog, encodeHeader, LogFormatError, STORE_FORMAT_VERSION } from '../../protocol/storeCodec.js';
import { faultOf, type StoreFs } from './fs.js';
import { syncDir, writeAll } from './lock.js';
import { closeQuietly, dropSnapshot, type Snapshot, writeSnapshot } from './snapshot.js';

/** An open log: its descriptor (append mode), its records, and its size in bytes. */
export interface OpenLog {
  readonly fd: number;
  readonly records: StoreRecord[];
  readonly size: number;
}

/** A `STORE_IO` error for a failed system call, with its fault (R201) and cause. */
export function ioError(path: string, what: string, error: unknown): StoreError {
  return new StoreError('STORE_IO', path, `${what} failed: ${(error as Error).message}`, {
    cause: error,
    fault: faultOf(error),
  });
}

/**
 * Opens (or creates) the log at `path`, drops a torn last record, and reads it back.
 * @throws {@link StoreError} `STORE_CORRUPT` for a damaged or foreign file, `STORE_IO` when it
 *   cannot be read or written.
 */
export function openLog(fs: StoreFs, path: string): OpenLog {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(path, 'read', error);
    bytes = new Uint8Array(0);
  }
  let decoded: ReturnType<typeof decodeLog>;
  try {
    decoded = decodeLog(bytes);
  } catch (error) {
    if (!(error instanceof LogFormatError)) throw error;
    throw new StoreError('STORE_CORRUPT', path, error.message, { cause: error });
  }
  // An older format (R104, R304): written again, atomically, in the current one before anything
  // is appended, so the header never claims a version its records do not keep to.
  if (decoded.validBytes > 0 && decoded.version < STORE_FORMAT_VERSION) upgrade(fs, path, decoded.records);
  let fd = -1;
  try {
    fd = fs.openSync(path, 'a+');
    if (decoded.validBytes === 0) {
      // New, or a header cut short: start the file over.
      fs.ftruncateSync(fd, 0);
      writeAll(fs, fd, encodeHeader());
      fs.fsyncSync(fd);
      syncDir(path);
    } else if (decoded.tornBytes > 0) {
      fs.ftruncateSync(fd, decoded.validBytes);
      fs.fsyncSync(fd);
    }
    return { fd, records: decoded.records, size: fs.fstatSync(fd).size };
  } catch (error) {
    if (fd !== -1) fs.closeSync(fd);
    throw ioError(path, 'open', error);
  }
}

/** Writes `records` over the log at `path` in the current format (temporary file, fsync, rename). */
function upgrade(fs: StoreFs, path: string, records: readonly StoreRecord[]): void {
  let snapshot: Snapshot | undefined;
  try {
    snapshot = writeSnapshot(fs, path, records, true);
    fs.renameSync(snapshot.temp, path);
    closeQuietly(fs, snapshot.fd);
  } catch (error) {
    if (snapshot !== undefined) dropSnapshot(fs, snapshot.fd, snapshot.temp);
    throw ioError(path, 'upgrade', error);
  }
  syncDir(path);
}
