/**
 * The file store's system calls, as one small internal seam: the store takes them as an object so
 * that tests can fail any one of them (EIO on a write or an fdatasync) where a real disk cannot be
 * made to (docs/spec.md R200-R209), and how a failure's errno maps to a {@link StoreFault}.
 * Not exported from the package.
 */
import * as fs from 'node:fs';
import type { StoreFault } from '../../errors.js';

/** The `node:fs` functions the file store and its lock use. */
export interface StoreFs {
  readonly openSync: (path: string, flags: string) => number;
  readonly closeSync: (fd: number) => void;
  readonly writeSync: (fd: number, bytes: Uint8Array, offset: number, length: number) => number;
  readonly readSync: (
    fd: number,
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ) => number;
  readonly readFileSync: (path: string) => Uint8Array;
  readonly fdatasyncSync: (fd: number) => void;
  readonly fsyncSync: (fd: number) => void;
  readonly fdatasync: (fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => void;
  readonly ftruncateSync: (fd: number, length: number) => void;
  readonly fstatSync: (fd: number) => { readonly size: number; readonly nlink: number };
  readonly renameSync: (from: string, to: string) => void;
  readonly unlinkSync: (path: string) => void;
}

/** The real file system. */
export const nodeFs: StoreFs = {
  openSync: (path, flags) => fs.openSync(path, flags),
  closeSync: (fd) => fs.closeSync(fd),
  writeSync: (fd, bytes, offset, length) => fs.writeSync(fd, bytes, offset, length),
  readSync: (fd, buffer, offset, length, position) => fs.readSync(fd, buffer, offset, length, position),
  readFileSync: (path) => fs.readFileSync(path),
  fdatasyncSync: (fd) => fs.fdatasyncSync(fd),
  fsyncSync: (fd) => fs.fsyncSync(fd),
  fdatasync: (fd, callback) => fs.fdatasync(fd, callback),
  ftruncateSync: (fd, length) => fs.ftruncateSync(fd, length),
  fstatSync: (fd) => fs.fstatSync(fd),
  renameSync: (from, to) => fs.renameSync(from, to),
  unlinkSync: (path) => fs.unlinkSync(path),
};

/** What a system error means for the store, by its errno code (R201). */
export function faultOf(error: unknown): StoreFault {
  switch ((error as NodeJS.ErrnoException | undefined)?.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return 'DISK_FULL';
    case 'EIO':
      return 'IO_ERROR';
    case 'EROFS':
      return 'READ_ONLY';
    case 'EACCES':
    case 'EPERM':
      return 'PERMISSION_DENIED';
    default:
      return 'OTHER';
  }
}
