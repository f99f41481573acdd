/**
 * A memo of the machine's pure step for the step driver. The step is a function of the state
 * configuration, the context and the event; snapshots are never changed in place; so a fleet's
 * clients, which go through the same few steps with equal contexts (one shared input, no error),
 * can share one computed step instead of an XState macrostep each (tens of microseconds).
 * Internal: only `xstateStep.ts` uses it.
 *
 * @module
 */
import type { AnyEventObject } from 'xstate';
import { sharedId } from './options.js';

/** Steps kept at most; beyond, the memo starts over (a fleet needs a few dozen). */
const MAX_STEPS = 1024;
/** Events whose step is not memoised: payloads that differ every time (random draws, errors, new configurations). */
const UNSHARED = new Set(['random.drawn', 'transport.error', 'mqtt.error', 'client.configure']);

/** What the memo needs of a snapshot (the fields XState's step reads besides the machine). */
export interface MemoSnapshot {
  readonly status: string;
  readonly _nodes: readonly unknown[];
  readonly context: object;
}

/** A memo of steps: the next snapshot and the actions to carry out. */
export class StepMemo<S, A> {
  readonly #steps = new Map<string, readonly [S, readonly A[]]>();
  /** Numbers for the state configurations, by their (shared) node arrays. */
  readonly #configurations = new WeakMap<object, number>();
  #nextConfiguration = 0;

  /** Names a shared node array (call it once per configuration). */
  nameConfiguration(nodes: readonly unknown[]): void {
    if (!this.#configurations.has(nodes)) this.#configurations.set(nodes, this.#nextConfiguration++);
  }

  /** The memo key of this step, or undefined when it is not one to share. */
  key(snapshot: MemoSnapshot, event: AnyEventObject): string | undefined {
    if (snapshot.status !== 'active' || UNSHARED.has(event.type)) return undefined;
    const configuration = this.#configurations.get(snapshot._nodes);
    if (configuration === undefined) return undefined;
    // Every context field, so a field added to the machine is never left out of the key; the
    // shared input's servers and options by number, the rest by value.
    let key = `${configuration}`;
    const context = snapshot.context as Record<string, unknown>;
    for (const name in context) {
      const value = context[name];
      if (value === null || typeof value !== 'object') key += `/${String(value)}`;
      else {
        const id = sharedId(value);
        key += id === undefined ? `/${JSON.stringify(value)}` : `/#${id}`;
      }
    }
    return `${key}/${JSON.stringify(event)}`;
  }

  get(key: string): readonly [S, readonly A[]] | undefined {
    return this.#steps.get(key);
  }

  set(key: string, step: readonly [S, readonly A[]]): void {
    if (this.#steps.size >= MAX_STEPS) this.#steps.clear();
    this.#steps.set(key, step);
  }
}
