/**
 * A file system for the file store that fails on demand (docs/spec.md R200-R209): the real
 * `node:fs` calls, except those a test has told to fail with an errno code (EIO on a write or an
 * fdatasync, ENOSPC halfway through a write), which a real disk cannot be made to do on cue.
 */
import { expect } from 'vitest';
import { nodeFs, type StoreFs } from '../../adapters/stores/fs.js';
import { StoreError } from '../../errors.js';
import { encodePublish, encodeTopic } from '../../protocol/encode.js';
import type { StoreRecord } from '../../protocol/store.js';

type Call = keyof StoreFs;

/** A system error as Node makes them: `code`, `errno`, `syscall`. */
export function errnoError(code: string, syscall: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${code}: injected fault, ${syscall}`);
  error.code = code;
  error.syscall = syscall;
  return error;
}

export interface FaultyFs {
  readonly fs: StoreFs;
  /**
   * `call` fails with `code` from now on, or once `after` more calls have worked (a disk filling
   * up); `writeSync` writes `partial` bytes of its first failing call first.
   */
  fail(call: Call, code: string, options?: { partial?: number; after?: number }): void;
  /** `call` works again. */
  heal(call: Call): void;
  /** How many times `call` was made. */
  calls(call: Call): number;
}

export function faultyFs(): FaultyFs {
  const failing = new Map<Call, { code: string; partial: number; after: number }>();
  const counts = new Map<Call, number>();
  const wrap = <C extends Call>(call: C): StoreFs[C] =>
    ((...args: unknown[]) => {
      counts.set(call, (counts.get(call) ?? 0) + 1);
      const fault = failing.get(call);
      const real = nodeFs[call] as (...a: unknown[]) => unknown;
      if (fault === undefined || fault.after-- > 0) return real(...args);
      if (call === 'fdatasync') {
        const callback = args[1] as (error: NodeJS.ErrnoException | null) => void;
        setImmediate(() => callback(errnoError(fault.code, call)));
        return undefined;
      }
      if (call === 'writeSync' && fault.partial > 0) {
        const [fd, bytes, offset] = args as [number, Uint8Array, number, number];
        // Part of the frame reaches the file before the disk fills up: a torn tail.
        nodeFs.writeSync(fd, bytes, offset, Math.min(fault.partial, bytes.length - offset));
        fault.partial = 0;
      }
      throw errnoError(fault.code, call);
    }) as StoreFs[C];
  const fs = Object.fromEntries(
    Object.keys(nodeFs).map((call) => [call, wrap(call as Call)]),
  ) as unknown as StoreFs;
  return {
    fs,
    fail: (call, code, options) =>
      failing.set(call, { code, partial: options?.partial ?? 0, after: options?.after ?? 0 }),
    heal: (call) => failing.delete(call),
    calls: (call) => counts.get(call) ?? 0,
  };
}

/** A QoS 1 PUBLISH record to `t` with packet id `id` and `payload`, as the session stores one. */
export function publishRecord(id: number, payload: string): StoreRecord {
  return {
    type: 'publish',
    packetId: id,
    packet: encodePublish(encodeTopic('t'), payload, 1, false, false, id, payload.length),
  };
}

/** The `StoreError` that `fn` throws; the test fails if it throws anything else, or nothing. */
export function caught(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError);
    return error as StoreError;
  }
  throw new Error('expected a StoreError');
}
