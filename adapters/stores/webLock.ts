/**
 * One owner per IndexedDB store (docs/spec.md R192): an exclusive Web Lock, the browser's
 * counterpart of the file store's lock file. The browser releases it when the tab, worker or
 * page that holds it goes away (reload, crash, close), so there is no stale lock to take over.
 */
import type { LockManagerLike } from './idbTypes.js';

/**
 * Takes the exclusive Web Lock `name` if nobody holds it, without waiting.
 * @returns A function that releases it, or `undefined` when it is held elsewhere (another tab,
 *   a worker, or an earlier open in this page).
 */
export function tryLock(locks: LockManagerLike, name: string): Promise<(() => void) | undefined> {
  return new Promise((resolve, reject) => {
    locks
      .request(name, { mode: 'exclusive', ifAvailable: true }, (lock) => {
        if (lock === null) {
          resolve(undefined);
          return undefined;
        }
        // The lock is held until this promise settles: until `release` is called.
        return new Promise<void>((release) => resolve(() => release()));
      })
      .catch(reject);
  });
}
