/**
 * The IndexedDB store's database: its layout, opening it and reading the log back (spec R190).
 * The store itself is `indexedDb.ts`.
 */
import { StoreError } from '../../errors.js';
import type { StoreRecord } from '../../protocol/store.js';
import { decodeLog, encodeHeader, LogFormatError, STORE_FORMAT_VERSION } from '../../protocol/storeCodec.js';
import { type IdbDatabaseLike, type IdbFactoryLike, settled } from './idbTypes.js';

/**
 * The object store holding the log: key 0 the header, keys 1.. the frames in append order, each
 * value the frames of one write (one or more), so the log is the values concatenated.
 */
export const LOG = 'log';
export const HEADER_KEY = 0;
/** The database version this library creates and reads (the log format has its own, R104). */
export const DB_VERSION = 1;

/** Opens (creating at version 1, with the header written) the database. */
export async function openDatabase(
  factory: IdbFactoryLike,
  name: string,
  path: string,
): Promise<IdbDatabaseLike> {
  const request = factory.open(name, DB_VERSION);
  request.onupgradeneeded = (event) => {
    if (event.oldVersion !== 0) return;
    request.result.createObjectStore(LOG).put(encodeHeader(), HEADER_KEY);
  };
  try {
    return await settled(request);
  } catch (error) {
    const why = error as { name?: string; message?: string } | null;
    if (why?.name === 'VersionError') {
      throw new StoreError(
        'STORE_CORRUPT',
        path,
        `a newer database version; this library reads ${DB_VERSION}`,
        {
          cause: error,
        },
      );
    }
    throw new StoreError('STORE_IO', path, `cannot open: ${why?.name}: ${why?.message}`, { cause: error });
  }
}

/** Reads the log back, validating every frame as the file store does (R104, R190). */
export async function readLog(
  db: IdbDatabaseLike,
  path: string,
): Promise<{ records: StoreRecord[]; nextKey: number }> {
  if (!db.objectStoreNames.contains(LOG)) {
    throw new StoreError('STORE_CORRUPT', path, `not a session store (no "${LOG}" object store)`);
  }
  let keys: unknown[];
  let values: unknown[];
  try {
    const tx = db.transaction(LOG, 'readonly');
    const store = tx.objectStore(LOG);
    [keys, values] = await Promise.all([settled(store.getAllKeys()), settled(store.getAll())]);
  } catch (error) {
    throw new StoreError('STORE_IO', path, `cannot read: ${(error as Error).message}`, { cause: error });
  }
  if (keys[0] !== HEADER_KEY || !values.every((v) => v instanceof Uint8Array)) {
    throw new StoreError(
      'STORE_CORRUPT',
      path,
      'not a session store (no header, or a value that is not bytes)',
    );
  }
  const bytes = concat(values as Uint8Array[]);
  let decoded: ReturnType<typeof decodeLog>;
  try {
    decoded = decodeLog(bytes);
    // A transaction is all or nothing: a cut frame here is damage, not a torn write.
    if (decoded.tornBytes > 0) throw new LogFormatError(`record at byte ${decoded.validBytes}: damaged`);
  } catch (error) {
    if (!(error instanceof LogFormatError)) throw error;
    throw new StoreError('STORE_CORRUPT', path, error.message, { cause: error });
  }
  // An older format (R304): its frames are valid in the current one, so the header alone is
  // written again, before anything is appended under it.
  if (decoded.version < STORE_FORMAT_VERSION) {
    try {
      const tx = db.transaction(LOG, 'readwrite');
      await settled(tx.objectStore(LOG).put(encodeHeader(), HEADER_KEY));
    } catch (error) {
      throw new StoreError('STORE_IO', path, `cannot upgrade: ${(error as Error).message}`, { cause: error });
    }
  }
  return { records: decoded.records, nextKey: (keys[keys.length - 1] as number) + 1 };
}

/** The frames as one byte array. */
export function concat(frames: readonly Uint8Array[]): Uint8Array {
  if (frames.length === 1) return frames[0] as Uint8Array;
  const bytes = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const frame of frames) {
    bytes.set(frame, at);
    at += frame.length;
  }
  return bytes;
}
