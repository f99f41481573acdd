/**
 * Who waits for a filter's SUBACK: a `subscribe` callback, or a `subscribeMany` batch (one object
 * for the whole list, not a callback per entry, spec R333). A filter's waiters are held as one
 * waiter, or as an array only when there are several.
 */
import type { SessionIO, SubscribeCallback, SubscribeResult } from './sessionTypes.js';
import { settle } from './sessionTypes.js';

/**
 * The outcomes of one `subscribeMany` call: each distinct filter of the list waits with this one
 * object, and `done` is called once every filter has its outcome, with one per entry in list order.
 */
export class SubscribeBatch {
  /** The distinct filters in list order, each with the index of its first entry. */
  readonly first = new Map<string, number>();
  readonly #results: SubscribeResult[];
  /** Pairs (entry, first entry of the same filter) for the filters listed more than once. */
  #dups: number[] | undefined;
  #left: number;
  readonly #done: ((results: SubscribeResult[]) => void) | undefined;
  readonly #io: SessionIO;

  /**
   * @param filters - The list's filters, in order (a filter may be listed twice).
   * @param done - Called once with one outcome per entry.
   * @param io - Where a throwing `done` is reported.
   */
  constructor(
    filters: readonly { readonly filter: string }[],
    done: ((results: SubscribeResult[]) => void) | undefined,
    io: SessionIO,
  ) {
    this.#done = done;
    this.#io = io;
    this.#results = new Array(filters.length);
    const first = this.first;
    for (let i = 0; i < filters.length; i++) {
      const filter = (filters[i] as { readonly filter: string }).filter;
      const at = first.get(filter);
      if (at === undefined) first.set(filter, i);
      else {
        this.#dups ??= [];
        this.#dups.push(i, at);
      }
    }
    this.#left = first.size;
  }

  /** Records `filter`'s outcome; the last one calls `done`. */
  settle(filter: string, result: SubscribeResult): void {
    const i = this.first.get(filter);
    if (i === undefined || this.#results[i] !== undefined) return;
    this.#results[i] = result;
    if (--this.#left !== 0) return;
    const dups = this.#dups;
    if (dups !== undefined) {
      for (let k = 0; k < dups.length; k += 2) {
        this.#results[dups[k] as number] = this.#results[dups[k + 1] as number] as SubscribeResult;
      }
    }
    settle(this.#done, this.#results, this.#io);
  }
}

/** One waiter for a filter's SUBACK. */
export type Waiter = SubscribeCallback | SubscribeBatch;

/** A filter's waiters: one, or several in order. */
export type Waiters = Waiter | Waiter[];

/**
 * `held` with `added` appended, or put ahead of it when `ahead`.
 * @returns The waiters together; `held`'s array is reused when appending.
 */
export function joinWaiters(held: Waiters | undefined, added: Waiters, ahead: boolean): Waiters {
  if (held === undefined) return added;
  const a = Array.isArray(held) ? held : [held];
  const b = Array.isArray(added) ? added : [added];
  if (ahead) return b.concat(a);
  if (a === held) {
    for (const w of b) a.push(w);
    return a;
  }
  return a.concat(b);
}

/**
 * Settles every waiter of `filter` with a result: the same one for all, or, given a function, one
 * made per waiter (so that each gets an error object of its own).
 */
export function settleWaiters(
  waiters: Waiters | undefined,
  filter: string,
  result: SubscribeResult | (() => SubscribeResult),
  io: SessionIO,
): void {
  if (waiters === undefined) return;
  if (!Array.isArray(waiters)) settleOne(waiters, filter, result, io);
  else for (const w of waiters) settleOne(w, filter, result, io);
}

function settleOne(
  waiter: Waiter,
  filter: string,
  result: SubscribeResult | (() => SubscribeResult),
  io: SessionIO,
): void {
  const outcome = typeof result === 'function' ? result() : result;
  if (waiter instanceof SubscribeBatch) waiter.settle(filter, outcome);
  else settle(waiter, outcome, io);
}
