/**
 * One owner per IndexedDB store (docs/spec.md R192): an exclusive Web Lock, the browser's
 * counterpart of the file store's lock file. The browser releases it when the tab, worker or
 * page that holds it goes away (reload, crash, close), so there is no stale lock to take over.
 */
import type { LockManagerLike } from './idbTypes.js';

/**
 * Takes the exclusive Web Lock `name`, waiting at most `waitMs` for its holder to let it go.
 * @returns A function that releases it and resolves once the lock manager has let it go (so a
 *   tab or worker asked next finds it free), or `undefined` when it is still held elsewhere
 *   (another tab, a worker, or an earlier open in this page).
 */
export function tryLock(
  locks: LockManagerLike,
  name: string,
  waitMs: number,
): Promise<(() => Promise<void>) | undefined> {
  const options =
    waitMs > 0
      ? { mode: 'exclusive' as const, signal: AbortSignal.timeout(waitMs) }
      : { mode: 'exclusive' as const, ifAvailable: true };
  return new Promise((resolve, reject) => {
    // Settles once the lock is released (or was never granted).
    const done: Promise<unknown> = locks
      .request(name, options, (lock) => {
        if (lock === null) {
          resolve(undefined);
          return undefined;
        }
        // The lock is held until this promise settles: until `release` is called.
        return new Promise<void>((release) =>
          resolve(async () => {
            release();
            await done;
          }),
        );
      })
      .catch((error: { name?: string }) => {
        // The wait ran out: still held.
        if (error?.name === 'TimeoutError' || error?.name === 'AbortError') resolve(undefined);
        else reject(error);
      });
  });
}
