/** Waiting for client events in integration tests: by the event, never by sleeping. */
import type { LifecycleEvent } from '../../machines/events.js';
import type { LifecycleClient } from '../../runtime/lifecycleClient.js';

/** A lifecycle event with the wall-clock time it was seen. */
export type Timed = LifecycleEvent & { readonly at: number };

/** Records every lifecycle event of `client` with `performance.now()`. */
export function recordEvents(client: LifecycleClient): Timed[] {
  const seen: Timed[] = [];
  client.onLifecycle((event) => seen.push({ ...event, at: performance.now() }));
  return seen;
}

/**
 * Resolves with the `count`-th event (counting from now) that matches `predicate`; rejects after
 * `timeoutMs` with the events seen, so a failure says what happened instead.
 */
export function waitForEvent(
  client: LifecycleClient,
  predicate: (event: LifecycleEvent) => boolean,
  { count = 1, timeoutMs = 5000 }: { count?: number; timeoutMs?: number } = {},
): Promise<LifecycleEvent> {
  return new Promise((resolve, reject) => {
    const seen: string[] = [];
    let matched = 0;
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs} ms; saw: ${seen.join(', ')}`));
    }, timeoutMs);
    const off = client.onLifecycle((event) => {
      seen.push(event.type === 'connecting' ? `connecting(${event.server})` : event.type);
      if (predicate(event) && ++matched === count) {
        clearTimeout(timer);
        off();
        resolve(event);
      }
    });
  });
}
