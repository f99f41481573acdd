/**
 * Shared subscriptions (spec R130-R132): the `$share/<group>/<filter>` rules of MQTT 5 section
 * 4.8.2, and routing by the filter part, by properties over the validator, `topicMatches` and
 * `TopicMatcher`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidTopicError } from '../errors.js';
import { sharedPrefixLength } from './sharedTopics.js';
import { TopicMatcher, topicMatches, validateTopicFilter } from './topics.js';

const level = fc.constantFrom('a', 'b', '$s', '', '+', 'job');
const arbFilter = fc
  .tuple(fc.array(level, { minLength: 0, maxLength: 4 }), fc.boolean())
  .map(([levels, hash]) => (hash ? [...levels, '#'] : levels).join('/'))
  .filter((s) => s !== '');
const arbTopic = fc
  .array(fc.constantFrom('a', 'b', '$s', '', 'job', 'x'), { minLength: 1, maxLength: 4 })
  .map((levels) => levels.join('/'))
  .filter((s) => s !== '');
/** Share names, valid or not (no `/`: a `/` ends the name). */
const arbGroup = fc.string({ unit: fc.constantFrom('g', 'h', '1', '+', '#', '$', ' '), maxLength: 4 });
const validGroup = fc.string({ unit: fc.constantFrom('g', 'h', '1', '$', ' '), minLength: 1, maxLength: 4 });

const accepts = (filter: string): boolean => {
  try {
    validateTopicFilter(filter);
    return true;
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidTopicError);
    expect((error as InvalidTopicError).topic).toBe(filter);
    return false;
  }
};

describe('shared subscription filters (R130)', () => {
  it('R130: $share/<group>/<filter> is valid iff the group is non-empty without + or #, and the filter part is valid', () => {
    fc.assert(
      fc.property(arbGroup, fc.oneof(arbFilter, fc.constantFrom('', 'a/#/b', 'a+', '#/')), (group, part) => {
        const expected = group.length > 0 && !/[+#]/.test(group) && accepts(part);
        expect(accepts(`$share/${group}/${part}`)).toBe(expected);
      }),
    );
  });

  it('R130: names each rule a shared filter breaks', () => {
    expect(() => validateTopicFilter('$share//a')).toThrow(/needs a share name/);
    expect(() => validateTopicFilter('$share/')).toThrow(/needs a share name/);
    expect(() => validateTopicFilter('$share/g')).toThrow(/needs a topic filter/);
    expect(() => validateTopicFilter('$share/g/')).toThrow(/needs a topic filter/);
    expect(() => validateTopicFilter('$share/g+/a')).toThrow(/share name must not contain/);
    expect(() => validateTopicFilter('$share/#/a')).toThrow(/share name must not contain/);
    expect(() => validateTopicFilter('$share/g/a/#/b')).toThrow(/# must be the last level/);
    expect(() => validateTopicFilter('$share/g/a+')).toThrow(/\+ must occupy a whole level/);
  });

  it('R130: filters that only look like one stay ordinary filters', () => {
    for (const ordinary of ['$share', '$sharex/g/a', '$SHARE/g/a', 'a/$share/g/b', '$shared/+']) {
      expect(sharedPrefixLength(ordinary)).toBe(0);
      expect(accepts(ordinary)).toBe(true);
    }
    expect(sharedPrefixLength('$share/g/job/#')).toBe('$share/g/'.length);
  });
});

describe('routing by the filter part (R131)', () => {
  it('R131: topicMatches($share/<group>/<filter>, topic) is topicMatches(filter, topic)', () => {
    fc.assert(
      fc.property(validGroup, arbFilter, arbTopic, (group, filter, topic) => {
        expect(topicMatches(`$share/${group}/${filter}`, topic)).toBe(topicMatches(filter, topic));
      }),
    );
    expect(topicMatches('$share/g/job/#', 'job/x')).toBe(true);
    // The filter part's first level decides the $ rule [MQTT-4.7.2-1], not `$share`.
    expect(topicMatches('$share/g/#', '$SYS/x')).toBe(false);
    expect(topicMatches('$share/g/$SYS/#', '$SYS/x')).toBe(true);
  });

  /** Filters, each shared under some group or not. */
  const mixed = fc.array(fc.tuple(arbFilter, fc.option(validGroup, { nil: undefined })), { maxLength: 10 });
  const whole = ([filter, group]: [string, string | undefined]) =>
    group === undefined ? filter : `$share/${group}/${filter}`;

  it('R131: a TopicMatcher over shared and ordinary filters agrees with topicMatches, in insertion order', () => {
    fc.assert(
      fc.property(mixed, fc.array(arbTopic, { maxLength: 5 }), (entries, topics) => {
        const m = new TopicMatcher<number>();
        const filters = entries.map(whole);
        filters.forEach((f, i) => {
          m.add(f, i);
        });
        for (const t of topics) {
          expect(m.match(t)).toEqual(filters.flatMap((f, i) => (topicMatches(f, t) ? [i] : [])));
        }
      }),
    );
  });

  it('R131, R133: a shared filter and its filter part are two pairs: removing one keeps the other', () => {
    fc.assert(
      fc.property(validGroup, arbFilter, arbTopic, (group, filter, topic) => {
        const m = new TopicMatcher<string>();
        const shared = `$share/${group}/${filter}`;
        m.add(shared, 'v');
        m.add(filter, 'v');
        m.add(shared, 'v');
        expect(m.size).toBe(2);
        const hit = topicMatches(filter, topic);
        expect(m.match(topic)).toEqual(hit ? ['v', 'v'] : []);
        expect(m.remove(shared, 'v')).toBe(true);
        expect(m.remove(shared, 'v')).toBe(false);
        expect(m.match(topic)).toEqual(hit ? ['v'] : []);
        expect(m.remove(filter, 'v')).toBe(true);
        expect(m.size).toBe(0);
      }),
    );
  });
});
