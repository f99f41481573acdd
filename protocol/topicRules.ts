/**
 * MQTT 3.1.1 topic rules: validation of topic names and filters (sections 1.5.3 and 4.7) and the
 * matching of one filter against one topic. Import these through `./topics.js`.
 */
import { InvalidTopicError } from '../errors.js';
import { checkSharedFilter, sharedPrefixLength } from './sharedTopics.js';

/** The longest UTF-8 encoded string MQTT can carry: its length prefix is 16 bits [MQTT-1.5.3]. */
const MAX_TOPIC_BYTES = 0xffff;

// Character codes compared in the matching loop, which avoids allocating substrings.
const DOLLAR = 0x24;
const HASH = 0x23;
const PLUS = 0x2b;
const SLASH = 0x2f;

/**
 * Counts the bytes `s` takes when UTF-8 encoded, without encoding it.
 *
 * An unpaired surrogate counts 3 bytes, the size of the U+FFFD that `TextEncoder` and `Buffer`
 * write in its place, so the result always equals `Buffer.byteLength(s, 'utf8')`.
 *
 * @param s - Any JavaScript string.
 * @returns The UTF-8 encoded length in bytes.
 */
export function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && isLowSurrogate(s.charCodeAt(i + 1))) {
      // A pair encodes one code point above U+FFFF: 4 bytes for both units.
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/**
 * Validates a topic name, the topic of a PUBLISH (MQTT 3.1.1 sections 1.5.3 and 4.7).
 *
 * Rejects: the empty string, the wildcards `+` and `#` anywhere [MQTT-3.3.2-2], U+0000, unpaired
 * surrogates, and names longer than 65535 UTF-8 bytes. Empty levels (`a//b`, `/a`) and names
 * starting with `$` are valid.
 *
 * @param topic - The topic name to check.
 * @throws {@link InvalidTopicError} naming the rule the topic breaks.
 */
export function validateTopicName(topic: string): void {
  const problem = scan(topic, 'topic name', 0, false);
  if (problem !== undefined) throw new InvalidTopicError(topic, problem);
}

/**
 * Validates a topic filter, the topic of a SUBSCRIBE or UNSUBSCRIBE (MQTT 3.1.1 section 4.7).
 *
 * On top of the rules of {@link validateTopicName} (wildcards aside): `+` must be a whole level
 * [MQTT-4.7.1-3], and `#` must be the whole last level [MQTT-4.7.1-2]. A filter starting with
 * `$share/` is a shared subscription's, `$share/<group>/<filter>` (MQTT 5 section 4.8.2, spec
 * R130): a non-empty share name without `+` or `#`, then a topic filter that follows these rules.
 *
 * An ordinary filter is checked in one pass over its characters, allocating nothing (spec R333):
 * thousands of filters are validated per `subscribeMany`.
 *
 * @param filter - The topic filter to check.
 * @throws {@link InvalidTopicError} naming the rule the filter breaks.
 */
export function validateTopicFilter(filter: string): void {
  let problem = scan(filter, 'topic filter', 0, true);
  if (problem === undefined || isLevelProblem(problem)) {
    // A shared subscription's filter (rare): the string rules over the whole filter came first,
    // then the share name, then the filter part's wildcard rules. 0: an ordinary filter.
    const start = checkSharedFilter(filter);
    if (start !== 0) problem = scan(filter, 'topic filter', start, true);
  }
  if (problem !== undefined) throw new InvalidTopicError(filter, problem);
}

const PLUS_LEVEL = '+ must occupy a whole level';
const HASH_LEVEL = '# must occupy a whole level';
const HASH_LAST = '# must be the last level';
const NAME_WILDCARD = 'a topic name must not contain the wildcards + or #';

function isLevelProblem(problem: string): boolean {
  return problem === PLUS_LEVEL || problem === HASH_LEVEL || problem === HASH_LAST;
}

/**
 * One pass over `s` that finds what breaks the rules, in the order the rules are stated: the
 * string's own (not empty, no U+0000, no unpaired surrogate, the first such character first),
 * then its UTF-8 length, then the wildcards. For a filter (`filter`), the wildcard rules apply
 * to the levels from `from` on, level by level, `+` before `#` within a level; for a name, any
 * wildcard is the problem.
 *
 * @returns The problem, or undefined when `s` is valid.
 */
function scan(s: string, what: string, from: number, filter: boolean): string | undefined {
  const n = s.length;
  if (n === 0) return `a ${what} must not be empty`;
  let bytes = 0;
  let wildcard: string | undefined;
  // The wildcard problem is settled per level: a `+` problem replaces a `#` one of its own level.
  let wildcardLevel = -1;
  let levelStart = from;
  for (let i = 0; i < n; i++) {
    const unit = s.charCodeAt(i);
    if (unit < 0x80) {
      bytes++;
      if (unit === SLASH) {
        if (i >= from) levelStart = i + 1;
      } else if (unit === PLUS || unit === HASH) {
        if (i < from) continue;
        if (!filter) {
          wildcard ??= NAME_WILDCARD;
          continue;
        }
        if (wildcard !== undefined && (wildcardLevel !== levelStart || wildcard === PLUS_LEVEL)) continue;
        const whole = i === levelStart && (i + 1 === n || s.charCodeAt(i + 1) === SLASH);
        if (unit === PLUS) {
          if (!whole) wildcard = PLUS_LEVEL;
        } else if (wildcard === undefined) {
          if (!whole) wildcard = HASH_LEVEL;
          else if (i + 1 !== n) wildcard = HASH_LAST;
        }
        wildcardLevel = levelStart;
      } else if (unit === 0) return `a ${what} must not contain U+0000`;
    } else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdfff) {
      if (unit <= 0xdbff && isLowSurrogate(s.charCodeAt(i + 1))) {
        bytes += 4;
        i++;
      } else return `unpaired surrogate at index ${i} has no UTF-8 encoding`;
    } else bytes += 3;
  }
  if (bytes > MAX_TOPIC_BYTES) return `${bytes} UTF-8 bytes exceed the limit of ${MAX_TOPIC_BYTES}`;
  return wildcard;
}

/**
 * Tells whether a topic name matches a topic filter under MQTT 3.1.1 section 4.7.
 *
 * - `+` matches exactly one level, which may be empty (`+/a` matches `/a`).
 * - `#` matches its own level and every level below, including none: `a/#` matches `a`.
 * - A topic whose first level starts with `$` is not matched by a filter whose first level is a
 *   wildcard [MQTT-4.7.2-1]: `#` and `+/x` do not match `$SYS/x`, but `$SYS/#` does.
 * - Empty levels are levels: `a//b` has three.
 * - A shared subscription's filter, `$share/<group>/<filter>`, matches what its filter part
 *   matches (spec R131).
 *
 * The arguments are not validated (this runs for every inbound message); validate them once where
 * they enter. On invalid input the result is unspecified, but the function does not throw.
 *
 * @param filter - A valid topic filter.
 * @param topic - A valid topic name.
 * @returns True when `filter` matches `topic`.
 */
export function topicMatches(filter: string, topic: string): boolean {
  const at = sharedPrefixLength(filter);
  return matches(at === 0 ? filter : filter.slice(at), topic);
}

/** {@link topicMatches} for an ordinary filter. */
function matches(filter: string, topic: string): boolean {
  if (topic.charCodeAt(0) === DOLLAR) {
    const first = filter.charCodeAt(0);
    if (first === HASH || first === PLUS) return false;
  }
  // Walk both strings level by level with indices, so nothing is allocated.
  let f = 0;
  let t = 0;
  for (;;) {
    let fEnd = filter.indexOf('/', f);
    if (fEnd === -1) fEnd = filter.length;
    const width = fEnd - f;
    if (width === 1 && filter.charCodeAt(f) === HASH) return true;
    let tEnd = topic.indexOf('/', t);
    if (tEnd === -1) tEnd = topic.length;
    const plus = width === 1 && filter.charCodeAt(f) === PLUS;
    if (!plus && !sameLevel(filter, f, topic, t, width, tEnd - t)) return false;
    const filterDone = fEnd === filter.length;
    const topicDone = tEnd === topic.length;
    if (filterDone || topicDone) {
      if (filterDone && topicDone) return true;
      // Only `x/#` may go on past the topic's last level, and it matches the parent `x`.
      return topicDone && filter.length - fEnd === 2 && filter.charCodeAt(fEnd + 1) === HASH;
    }
    f = fEnd + 1;
    t = tEnd + 1;
  }
}

function sameLevel(
  filter: string,
  f: number,
  topic: string,
  t: number,
  fWidth: number,
  tWidth: number,
): boolean {
  if (fWidth !== tWidth) return false;
  for (let i = 0; i < fWidth; i++) {
    if (filter.charCodeAt(f + i) !== topic.charCodeAt(t + i)) return false;
  }
  return true;
}
