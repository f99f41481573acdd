/**
 * The client's per-filter routing (`addTopicObserver`, what `client.subscribe(filter)` streams
 * use): each filter's consumers and a trie that finds the filters a topic matches. Per filter it
 * holds the consumer itself, and a `Set` only once a filter has two (spec R332): with tens of
 * thousands of filters, a record and a one-entry `Set` each cost more than the trie.
 */
import type { SubscribeError } from '../errors.js';
import { TopicMatcher } from '../protocol/topics.js';
import type { Message, TopicObserver } from './types.js';

/** One filter's consumers: the only one, or a Set of two or more. */
type Held = TopicObserver | Set<TopicObserver>;

/**
 * Filters with their consumers. The trie holds each filter's own string, so a message's consumers
 * are found in the order their filters were added, then in the order each filter's were.
 */
export class TopicRoutes {
  readonly #filters = new Map<string, Held>();
  readonly #matcher = new TopicMatcher<string>();
  readonly #report: (thrown: unknown) => void;

  /**
   * @param report - Called with what a consumer threw (spec R63); the others still get theirs.
   */
  constructor(report: (thrown: unknown) => void) {
    this.#report = report;
  }

  /** How many filters have consumers. */
  get size(): number {
    return this.#filters.size;
  }

  /** Whether `filter` has a consumer. */
  has(filter: string): boolean {
    return this.#filters.has(filter);
  }

  /**
   * Adds a consumer of `filter`. A consumer already held for it is not added twice.
   * @param filter - A valid topic filter.
   * @param observer - The consumer.
   * @returns True when `filter` had no consumer before (the caller subscribes to it).
   */
  add(filter: string, observer: TopicObserver): boolean {
    const held = this.#filters.get(filter);
    if (held === undefined) {
      // The matcher validates first: an invalid filter throws before anything is held.
      this.#matcher.add(filter, filter);
      this.#filters.set(filter, observer);
      return true;
    }
    if (held instanceof Set) held.add(observer);
    else if (held !== observer) this.#filters.set(filter, new Set([held, observer]));
    return false;
  }

  /**
   * Removes a consumer of `filter`.
   * @returns True when that was its last consumer (the caller unsubscribes from it).
   */
  remove(filter: string, observer: TopicObserver): boolean {
    const held = this.#filters.get(filter);
    if (held === undefined) return false;
    if (held instanceof Set) {
      if (!held.delete(observer)) return false;
      if (held.size === 1) this.#filters.set(filter, held.values().next().value as TopicObserver);
      return false;
    }
    if (held !== observer) return false;
    this.#filters.delete(filter);
    this.#matcher.remove(filter, filter);
    return true;
  }

  /** Hands `message` to every consumer of every filter matching its topic. */
  deliver(message: Message): void {
    const report = this.#report;
    for (const filter of this.#matcher.match(message.topic)) {
      const held = this.#filters.get(filter);
      if (held === undefined) continue;
      if (!(held instanceof Set)) call(held, message, report);
      else for (const o of held) call(o, message, report);
    }
  }

  /** Errors every consumer of `filter` (a SUBACK refused it). */
  refuse(filter: string, error: SubscribeError): void {
    const held = this.#filters.get(filter);
    if (held === undefined) return;
    for (const o of held instanceof Set ? [...held] : [held]) {
      try {
        o.error(error);
      } catch (thrown) {
        this.#report(thrown);
      }
    }
  }
}

function call(o: TopicObserver, message: Message, report: (thrown: unknown) => void): void {
  try {
    o.next(message);
  } catch (thrown) {
    report(thrown);
  }
}
