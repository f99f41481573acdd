/**
 * Spec R333: topic validation runs in one pass over the string and decides exactly what the
 * earlier validation (kept here as the oracle: `validateString`, `checkSharedFilter`, then an
 * `indexOf` walk per level) decided, down to the message of the error thrown.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidTopicError } from '../errors.js';
import { checkSharedFilter } from './sharedTopics.js';
import { utf8Length, validateTopicFilter, validateTopicName } from './topicRules.js';

function oldString(topic: string, what: string): void {
  if (topic.length === 0) throw new InvalidTopicError(topic, `a ${what} must not be empty`);
  for (let i = 0; i < topic.length; i++) {
    const unit = topic.charCodeAt(i);
    if (unit === 0) throw new InvalidTopicError(topic, `a ${what} must not contain U+0000`);
    if (unit >= 0xd800 && unit <= 0xdfff) {
      const next = topic.charCodeAt(i + 1);
      if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      throw new InvalidTopicError(topic, `unpaired surrogate at index ${i} has no UTF-8 encoding`);
    }
  }
  const bytes = utf8Length(topic);
  if (bytes > 0xffff) throw new InvalidTopicError(topic, `${bytes} UTF-8 bytes exceed the limit of 65535`);
}

function oldName(topic: string): void {
  oldString(topic, 'topic name');
  if (topic.includes('+') || topic.includes('#')) {
    throw new InvalidTopicError(topic, 'a topic name must not contain the wildcards + or #');
  }
}

function oldFilter(filter: string): void {
  oldString(filter, 'topic filter');
  let start = checkSharedFilter(filter);
  while (start <= filter.length) {
    let end = filter.indexOf('/', start);
    if (end === -1) end = filter.length;
    const width = end - start;
    const plus = filter.indexOf('+', start);
    if (plus !== -1 && plus < end && width !== 1)
      throw new InvalidTopicError(filter, '+ must occupy a whole level');
    const hash = filter.indexOf('#', start);
    if (hash !== -1 && hash < end) {
      if (width !== 1) throw new InvalidTopicError(filter, '# must occupy a whole level');
      if (end !== filter.length) throw new InvalidTopicError(filter, '# must be the last level');
    }
    start = end + 1;
  }
}

/** What a check says about `s`: 'ok', or the error's class, topic and message. */
function outcome(check: (s: string) => void, s: string): string {
  try {
    check(s);
    return 'ok';
  } catch (error) {
    if (!(error instanceof InvalidTopicError)) return `not an InvalidTopicError: ${String(error)}`;
    return `${error.code} ${JSON.stringify(error.topic)} ${error.message}`;
  }
}

const piece = fc.constantFrom(
  '/',
  '+',
  '#',
  'a',
  'bc',
  '$',
  '$share/',
  'g',
  '\u0000',
  '\u00e9',
  '\u20ac',
  '\ud83d\ude00',
  '\ud83d',
  '\ude00',
  '',
);
const arbString = fc.array(piece, { maxLength: 10 }).map((parts) => parts.join(''));

describe('one-pass topic validation (R333)', () => {
  it('R333: validateTopicFilter decides every string exactly as the earlier validation did', () => {
    fc.assert(
      fc.property(arbString, (s) => {
        expect(outcome(validateTopicFilter, s)).toBe(outcome(oldFilter, s));
      }),
      { numRuns: 20_000 },
    );
  });

  it('R333: validateTopicName decides every string exactly as the earlier validation did', () => {
    fc.assert(
      fc.property(arbString, (s) => {
        expect(outcome(validateTopicName, s)).toBe(outcome(oldName, s));
      }),
      { numRuns: 5_000 },
    );
  });

  it('R333: the cases where the order of the rules decides the message', () => {
    const cases = [
      'a#+', // `+` is checked before `#` within a level
      '#/a+', // an earlier level's problem comes first
      'a+/#/b',
      '+a/\u0000', // U+0000 comes before any wildcard rule
      '$share/g/a#+',
      '$share/g+/a+',
      '$share/g/\ud83d',
      '$share//a',
      '$share/g/',
      'x/'.padEnd(70_000, '+'), // the length comes before the wildcards
      '$share/g/#',
      '+/+/#',
    ];
    for (const s of cases) {
      expect(outcome(validateTopicFilter, s)).toBe(outcome(oldFilter, s));
      expect(outcome(validateTopicName, s)).toBe(outcome(oldName, s));
    }
    expect(outcome(validateTopicFilter, 'a#+')).toMatch(/\+ must occupy a whole level/);
  });
});
