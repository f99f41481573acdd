/**
 * Per-test teardown. A test registers each broker, tap or client as it starts it, and the
 * registrations are undone after the test newest first, so clients go before the brokers they use
 * and a failing assertion still leaves nothing running.
 */
import { afterEach } from 'vitest';

/** Registers one teardown for the end of the current test. */
export type Defer = (cleanup: () => unknown) => void;

/** A teardown list: {@link Defer} to add, `run` to undo everything added so far. */
export interface CleanupList {
  readonly defer: Defer;
  /** Awaits every teardown, newest first, and empties the list. */
  run(): Promise<void>;
}

/**
 * A teardown list to run from an afterEach of your own: for files that must order other work
 * around the teardowns (most files want {@link useCleanups}).
 */
export function cleanupList(): CleanupList {
  const cleanups: (() => unknown)[] = [];
  return {
    defer: (cleanup) => {
      cleanups.push(cleanup);
    },
    async run() {
      // One at a time, not Promise.all: a client must be gone before its broker closes. A failing
      // teardown (a wire check) must not leave the rest running: the first error is thrown last.
      const errors: unknown[] = [];
      for (const cleanup of cleanups.splice(0).reverse()) {
        try {
          await cleanup();
        } catch (error) {
          errors.push(error);
        }
      }
      if (errors.length > 0) throw errors[0];
    },
  };
}

/**
 * Registers an afterEach in the calling test file (call it at module level) that runs what each
 * test deferred; returns the {@link Defer} to register with.
 */
export function useCleanups(): Defer {
  const list = cleanupList();
  afterEach(() => list.run());
  return list.defer;
}
