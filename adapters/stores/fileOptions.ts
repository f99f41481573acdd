/**
 * The file store's options: the fsync policy (docs/spec.md R105) and the fault policy (R203),
 * with their defaults, checked.
 */
import { ConfigError } from '../../errors.js';
import type { StoreFaultPolicy } from '../../protocol/store.js';

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

/** Options of {@link openFileStore}. */
export interface FileStoreOptions {
  /** @default 'batched' */
  readonly fsync?: FsyncPolicy;
  /**
   * The `batched` interval in ms; also how often the store checks that its file is still there
   * and whole (spec R206), under every policy. @default 50
   */
  readonly fsyncIntervalMs?: number;
  /**
   * What the client does when the store fails while running (disk full, I/O error, read-only
   * file system, permission lost; spec R203): `stop` stops the client, and what was accepted
   * before the fault stays in the file for the next process; `memory` carries on with the session
   * in memory only, no longer durable, and says so (event `store.fault`). Either way the step that
   * met the fault fails with the `StoreError` (a `publish` throws or rejects).
   * @default 'stop'
   */
  readonly onFault?: StoreFaultPolicy;
}

/** {@link FileStoreOptions} with every default applied. */
export type ResolvedFileStoreOptions = Required<FileStoreOptions>;

/**
 * Applies the defaults and checks the values.
 * @throws {@link ConfigError} naming the option.
 */
export function resolveFileStoreOptions(options: FileStoreOptions = {}): ResolvedFileStoreOptions {
  const fsync = options.fsync ?? 'batched';
  const fsyncIntervalMs = options.fsyncIntervalMs ?? 50;
  const onFault = options.onFault ?? 'stop';
  if (!['every', 'batched', 'none'].includes(fsync)) {
    throw new ConfigError('fsync', `must be 'every', 'batched' or 'none', got ${String(fsync)}`);
  }
  if (!Number.isFinite(fsyncIntervalMs) || fsyncIntervalMs <= 0) {
    throw new ConfigError('fsyncIntervalMs', `must be a number > 0, got ${fsyncIntervalMs}`);
  }
  if (!['stop', 'memory'].includes(onFault)) {
    throw new ConfigError('onFault', `must be 'stop' or 'memory', got ${String(onFault)}`);
  }
  return { fsync, fsyncIntervalMs, onFault };
}
