/**
 * A trie of topic filters, for routing each inbound PUBLISH to every subscription that matches it
 * (Mongoose calls every matching handler, not just the first). Import it through `./topics.js`.
 */
import { sharedPrefixLength } from './sharedTopics.js';
import { validateTopicFilter } from './topicRules.js';

/** A value with the order it was added in, so matches can be returned in insertion order. */
interface Entry<T> {
  readonly seq: number;
  readonly value: T;
  /** The filter as added: `$share/g/a` and `a` share a trie node but are different pairs. */
  readonly filter: string;
}

/**
 * One level of the trie. Wildcard children live outside `children` so lookups skip them. Every
 * table is made on first use: with thousands of filters most nodes are leaves holding one value,
 * and an empty `Map` and two empty arrays per leaf would cost several times the filter itself
 * (spec R332).
 */
interface TrieNode<T> {
  /** Children by literal level (including the empty level). */
  children: Map<string, TrieNode<T>> | undefined;
  /** The child for a `+` level. */
  plus: TrieNode<T> | undefined;
  /** Values of filters that end at this node. */
  values: Entry<T>[] | undefined;
  /** Values of filters that end with `#` right below this node. */
  hash: Entry<T>[] | undefined;
}

function newNode<T>(): TrieNode<T> {
  return { children: undefined, plus: undefined, values: undefined, hash: undefined };
}

function isEmpty<T>(node: TrieNode<T>): boolean {
  return (
    node.children === undefined &&
    node.plus === undefined &&
    node.values === undefined &&
    node.hash === undefined
  );
}

/** Removes the pair from `node`'s bucket `key`, dropping the bucket once empty. */
function removeValue<T>(node: TrieNode<T>, key: 'values' | 'hash', value: T, filter: string): boolean {
  const bucket = node[key];
  const at = bucket === undefined ? -1 : bucket.findIndex((e) => e.value === value && e.filter === filter);
  if (bucket === undefined || at === -1) return false;
  bucket.splice(at, 1);
  if (bucket.length === 0) node[key] = undefined;
  return true;
}

/** The levels a filter is held under: a shared subscription's by its filter part (spec R131). */
function levelsOf(filter: string): string[] {
  const at = sharedPrefixLength(filter);
  return (at === 0 ? filter : filter.slice(at)).split('/');
}

/**
 * Many topic filters, each holding values, matched against topic names in one walk.
 *
 * Matching follows {@link topicMatches} exactly (wildcards, `$` topics, empty levels). A
 * `(filter, value)` pair is held at most once: adding it again changes nothing. The same value may
 * be held under several filters, and is then returned once per matching filter. A shared
 * subscription's filter, `$share/<group>/<filter>`, matches what its filter part matches (spec
 * R131), as a pair of its own.
 *
 * @typeParam T - What each filter holds, for example a subscription record.
 */
export class TopicMatcher<T> {
  readonly #root: TrieNode<T> = newNode();
  #count = 0;
  #seq = 0;
  /** Reused by `match` so a lookup allocates only its result and the split levels. */
  readonly #scratch: Entry<T>[] = [];
  /** How many non-empty buckets the current `match` collected; one bucket needs no sort. */
  #buckets = 0;

  /** The number of `(filter, value)` pairs held. */
  get size(): number {
    return this.#count;
  }

  /**
   * Adds `value` under `filter`. Does nothing when this exact pair is already held (values are
   * compared with `===`), so it keeps its original place in the match order.
   *
   * @param filter - A topic filter; validated with {@link validateTopicFilter}.
   * @param value - The value `match` returns for topics the filter matches.
   * @throws {@link InvalidTopicError} when the filter is invalid.
   */
  add(filter: string, value: T): void {
    validateTopicFilter(filter);
    let node = this.#root;
    let key: 'values' | 'hash' = 'values';
    for (const level of levelsOf(filter)) {
      if (level === '#') {
        key = 'hash'; // validation guarantees `#` is the last level
        break;
      }
      if (level === '+') {
        node.plus ??= newNode();
        node = node.plus;
        continue;
      }
      node.children ??= new Map();
      let child = node.children.get(level);
      if (child === undefined) {
        child = newNode();
        node.children.set(level, child);
      }
      node = child;
    }
    const bucket = node[key];
    if (bucket?.some((e) => e.value === value && e.filter === filter)) return;
    const entry = { seq: this.#seq++, value, filter };
    if (bucket === undefined) node[key] = [entry];
    else bucket.push(entry);
    this.#count++;
  }

  /**
   * Removes `value` from under `filter` (filters are compared as exact strings, as Mongoose's
   * `unsub` does), and prunes trie nodes left empty.
   *
   * @param filter - The filter the value was added under.
   * @param value - The value to remove (compared with `===`).
   * @returns True when the pair was held and is now removed; false when it was not held.
   */
  remove(filter: string, value: T): boolean {
    const removed = this.#removeAt(this.#root, levelsOf(filter), 0, value, filter);
    if (removed) this.#count--;
    return removed;
  }

  /**
   * Returns the values of every filter that matches `topic`, in the order they were added.
   *
   * The topic is not validated: this runs for every inbound message, and the packet decoder
   * checks topics where they enter.
   *
   * @param topic - A topic name.
   * @returns A new array (the caller may keep or change it); empty when nothing matches.
   */
  match(topic: string): T[] {
    const found = this.#scratch;
    this.#buckets = 0;
    this.#collect(this.#root, topic.split('/'), 0, topic.charCodeAt(0) === 0x24 /* $ */);
    // Each bucket is already in insertion order; entries from several need merging by `seq`.
    if (this.#buckets > 1) found.sort((a, b) => a.seq - b.seq);
    const result = new Array<T>(found.length);
    for (let i = 0; i < found.length; i++) result[i] = (found[i] as Entry<T>).value;
    // Drop the references so removed values can be collected.
    found.length = 0;
    return result;
  }

  #collect(node: TrieNode<T>, levels: string[], depth: number, dollar: boolean): void {
    // [MQTT-4.7.2-1]: a wildcard in the first level does not match a topic starting with `$`.
    const wildcards = !(dollar && depth === 0);
    // `x/#` matches everything below `x` and `x` itself, so its bucket applies at any depth here.
    if (wildcards) this.#take(node.hash);
    const level = levels[depth];
    if (level === undefined) {
      this.#take(node.values);
      return;
    }
    const child = node.children?.get(level);
    if (child !== undefined) this.#collect(child, levels, depth + 1, dollar);
    if (wildcards && node.plus !== undefined) this.#collect(node.plus, levels, depth + 1, dollar);
  }

  #take(bucket: Entry<T>[] | undefined): void {
    if (bucket === undefined) return;
    this.#buckets++;
    for (const entry of bucket) this.#scratch.push(entry);
  }

  #removeAt(node: TrieNode<T>, levels: string[], depth: number, value: T, filter: string): boolean {
    const level = levels[depth];
    if (level === undefined) return removeValue(node, 'values', value, filter);
    if (level === '#') return depth === levels.length - 1 && removeValue(node, 'hash', value, filter);
    const child = level === '+' ? node.plus : node.children?.get(level);
    if (child === undefined || !this.#removeAt(child, levels, depth + 1, value, filter)) return false;
    if (isEmpty(child)) {
      if (level === '+') node.plus = undefined;
      else {
        node.children?.delete(level);
        if (node.children?.size === 0) node.children = undefined;
      }
    }
    return true;
  }
}
