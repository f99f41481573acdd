import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidTopicError } from '../errors.js';
import { privateField } from '../test/support/privateField.js';
import { TopicMatcher, topicMatches, utf8Length, validateTopicFilter, validateTopicName } from './topics.js';

/** A deliberately naive oracle, written from the spec text and sharing no code with the subject. */
function oracle(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

const topicLevel = fc.constantFrom('a', 'b', '$s', '', 'ab');
const arbTopic = fc
  .array(topicLevel, { minLength: 1, maxLength: 4 })
  .map((levels) => levels.join('/'))
  .filter((s) => s !== '');
const arbFilter = fc
  .tuple(fc.array(fc.constantFrom('a', 'b', '$s', '', '+'), { minLength: 0, maxLength: 4 }), fc.boolean())
  .map(([levels, hash]) => (hash ? [...levels, '#'] : levels).join('/'))
  .filter((s) => s !== '');

function rejects(check: (s: string) => void, s: string, reason: RegExp): void {
  try {
    check(s);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidTopicError);
    expect((error as InvalidTopicError).topic).toBe(s);
    expect((error as Error).message).toMatch(reason);
    return;
  }
  expect.fail(`accepted ${JSON.stringify(s)}`);
}

describe('utf8Length', () => {
  it('equals Buffer.byteLength for any string, lone surrogates included', () => {
    const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: anyUnit }), fc.string({ unit: 'binary' })), (s) => {
        expect(utf8Length(s)).toBe(Buffer.byteLength(s, 'utf8'));
      }),
    );
  });
  it('counts 1, 2, 3 and 4 byte code points', () => {
    expect(utf8Length('a\u00e9\u20ac\u{1f600}')).toBe(10);
  });
});

describe('validateTopicName', () => {
  it('accepts names with empty levels, $ prefixes, spaces and non-NUL control characters', () => {
    for (const ok of [
      'a',
      '/',
      'a//b',
      '/a/',
      '$SYS/x',
      'sport/tennis player1',
      'x\u0001\u007f\u0085',
      '\u{1f600}',
    ]) {
      expect(() => validateTopicName(ok)).not.toThrow();
    }
  });
  it('rejects the empty name, wildcards, NUL and unpaired surrogates', () => {
    rejects(validateTopicName, '', /empty/);
    rejects(validateTopicName, 'a/+', /wildcards/);
    rejects(validateTopicName, 'a#b', /wildcards/);
    rejects(validateTopicName, 'a\u0000b', /U\+0000/);
    rejects(validateTopicName, 'a\ud800', /surrogate at index 1/);
    rejects(validateTopicName, '\udc00a', /surrogate at index 0/);
  });
  it('accepts exactly 65535 UTF-8 bytes and rejects one more, counting bytes not UTF-16 units', () => {
    expect(() => validateTopicName('a'.repeat(65535))).not.toThrow();
    rejects(validateTopicName, 'a'.repeat(65536), /65536 UTF-8 bytes/);
    // 21845 × 3 bytes = 65535; one more 2-byte character crosses the limit at far fewer units.
    expect(() => validateTopicName('\u20ac'.repeat(21845))).not.toThrow();
    rejects(validateTopicName, `${'\u20ac'.repeat(21845)}\u00e9`, /65537 UTF-8 bytes/);
  });
  it('accepts every well-formed string without NUL or wildcards', () => {
    const safe = fc
      .string({ unit: 'binary', minLength: 1 })
      .filter((s) => !s.includes('\u0000') && !s.includes('+') && !s.includes('#'));
    fc.assert(fc.property(safe, (s) => validateTopicName(s)));
  });
});

describe('validateTopicFilter', () => {
  it('accepts the spec examples', () => {
    for (const ok of ['#', '+', '+/+', '/+', 'a/#', 'sport/+/player1', '+/tennis/#', '$SYS/#', 'a//#', '/']) {
      expect(() => validateTopicFilter(ok)).not.toThrow();
    }
  });
  it('rejects wildcards that do not fill a level, # before the end, and the empty filter', () => {
    rejects(validateTopicFilter, '', /empty/);
    rejects(validateTopicFilter, 'sport+', /\+ must occupy a whole level/);
    rejects(validateTopicFilter, 'a/b+/c', /\+ must occupy a whole level/);
    rejects(validateTopicFilter, 'sport/tennis#', /# must occupy a whole level/);
    rejects(validateTopicFilter, 'a/#/b', /# must be the last level/);
    rejects(validateTopicFilter, '#/', /# must be the last level/);
    rejects(validateTopicFilter, 'a\u0000', /U\+0000/);
  });
  it('accepts every generated filter and rejects it once a wildcard shares a level', () => {
    fc.assert(
      fc.property(arbFilter, fc.constantFrom('x+', '+x', '#x', 'x#', '++'), (filter, bad) => {
        validateTopicFilter(filter);
        rejects(validateTopicFilter, `${filter}/${bad}`, /whole level|last level/);
      }),
    );
  });
});

describe('topicMatches', () => {
  it.each([
    ['sport/tennis/player1/#', 'sport/tennis/player1', true],
    ['sport/tennis/player1/#', 'sport/tennis/player1/ranking/wimbledon', true],
    ['sport/#', 'sport', true],
    ['#', 'a/b/c', true],
    ['sport/tennis/+', 'sport/tennis/player1', true],
    ['sport/tennis/+', 'sport/tennis/player1/ranking', false],
    ['sport/+', 'sport', false],
    ['sport/+', 'sport/', true],
    ['+/+', '/finance', true],
    ['/+', '/finance', true],
    ['+', '/finance', false],
    ['a//b', 'a//b', true],
    ['a/+/b', 'a//b', true],
    ['a/b', 'a//b', false],
    ['#', '$SYS/x', false],
    ['+/monitor/Clients', '$SYS/monitor/Clients', false],
    ['$SYS/#', '$SYS/monitor/Clients', true],
    ['$SYS/monitor/+', '$SYS/monitor/Clients', true],
    ['a/$s/#', 'a/$s', true],
    ['ACCOUNTS', 'Accounts', false],
  ])('%j against %j is %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
  it('agrees with the naive split-based oracle', () => {
    fc.assert(fc.property(arbFilter, arbTopic, (f, t) => topicMatches(f, t) === oracle(f, t)));
  });
  it('matches a topic used as its own filter, and # matches every topic not starting with $', () => {
    fc.assert(
      fc.property(arbTopic, (t) => topicMatches(t, t) && topicMatches('#', t) === !t.startsWith('$')),
    );
  });
});

describe('TopicMatcher', () => {
  it('returns the values of all matching filters, in insertion order', () => {
    const m = new TopicMatcher<string>();
    m.add('a/#', 'hash');
    m.add('a/b', 'exact');
    m.add('+/b', 'plus');
    m.add('c', 'other');
    expect(m.match('a/b')).toEqual(['hash', 'exact', 'plus']);
    expect(m.match('a')).toEqual(['hash']);
    expect(m.match('x/b')).toEqual(['plus']);
    expect(m.match('$x/b')).toEqual([]);
    expect(m.size).toBe(4);
  });
  it('holds a (filter, value) pair once, but a value once per filter', () => {
    const m = new TopicMatcher<number>();
    m.add('a/+', 1);
    m.add('a/+', 1);
    m.add('a/#', 1);
    expect(m.size).toBe(2);
    expect(m.match('a/b')).toEqual([1, 1]);
    expect(m.remove('a/+', 1)).toBe(true);
    expect(m.remove('a/+', 1)).toBe(false);
    expect(m.match('a/b')).toEqual([1]);
    expect(m.size).toBe(1);
  });
  it('rejects invalid filters on add and does not find them on remove', () => {
    const m = new TopicMatcher<number>();
    expect(() => m.add('a/#/b', 1)).toThrow(InvalidTopicError);
    expect(m.remove('a/#/b', 1)).toBe(false);
    expect(m.remove('never/added', 1)).toBe(false);
    expect(m.size).toBe(0);
  });
  it('returns a fresh array each time', () => {
    const m = new TopicMatcher<number>();
    m.add('a', 1);
    const first = m.match('a');
    first.push(99);
    expect(m.match('a')).toEqual([1]);
  });
  it('agrees with topicMatches for any filters and topics, in insertion order', () => {
    fc.assert(
      fc.property(
        fc.array(arbFilter, { maxLength: 12 }),
        fc.array(arbTopic, { maxLength: 6 }),
        (filters, topics) => {
          const m = new TopicMatcher<number>();
          filters.forEach((f, i) => {
            m.add(f, i);
          });
          for (const t of topics) {
            const expected = filters.flatMap((f, i) => (topicMatches(f, t) ? [i] : []));
            expect(m.match(t)).toEqual(expected);
          }
        },
      ),
    );
  });
  it('after removals, agrees with topicMatches over the pairs still held, and prunes to empty', async () => {
    const withRemovals = fc.array(fc.tuple(arbFilter, fc.boolean()), { maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(withRemovals, arbTopic, async (entries, t) => {
        const m = new TopicMatcher<number>();
        entries.forEach(([f], i) => {
          m.add(f, i);
        });
        entries.forEach(([f, drop], i) => {
          if (drop) expect(m.remove(f, i)).toBe(true);
        });
        const kept = entries.flatMap(([f, drop], i) => (drop ? [] : [[f, i] as const]));
        expect(m.size).toBe(kept.length);
        expect(m.match(t)).toEqual(kept.filter(([f]) => topicMatches(f, t)).map(([, i]) => i));
        for (const [f, i] of kept) expect(m.remove(f, i)).toBe(true);
        expect(m.size).toBe(0);
        // Pruning leaves an empty root, its tables dropped too (R332): nothing is reachable any more.
        // The root is an ES private field, read through the inspector.
        expect(await privateField(m, 'root')).toEqual({
          children: undefined,
          plus: undefined,
          values: undefined,
          hash: undefined,
        });
      }),
    );
  });
});
