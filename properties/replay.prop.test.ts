/**
 * Event sourcing (spec R40-R42, R44, R96): a journal replays to exactly the live run's states, also
 * after a JSON-lines round trip; each entry records the state it led to; and the actor and step
 * drivers are interchangeable.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { connectionMachine } from '../machines/connection.js';
import type { ConnectionInput } from '../machines/events.js';
import { checkReplay, fromJsonLines, journalHeader, replay, toJsonLines } from '../machines/journal.js';
import { createHarness, type DriverKind, type Harness } from '../test/support/lifecycleHarness.js';
import { runOnBothDrivers } from './agreement.js';
import {
  applyCommand,
  type Command,
  commandArb,
  cyclicRandom,
  drawsArb,
  inputArb,
  numRuns,
} from './arbitraries.js';

interface Run {
  readonly h: Harness;
  /** The live snapshot (value and context) after each processed input, in journal order. */
  readonly steps: { value: unknown; context: unknown }[];
}

function run(
  input: ConnectionInput,
  commands: readonly Command[],
  draws: readonly number[],
  kind: DriverKind,
): Run {
  const h = createHarness(input, kind, cyclicRandom(draws).random);
  const steps: { value: unknown; context: unknown }[] = [];
  h.driver.subscribe((snapshot) => steps.push({ value: snapshot.value, context: snapshot.context }));
  for (const command of commands) applyCommand(h, command);
  return { h, steps };
}

/** The machine's own state names, at any depth: the keys of a recorded state value (R96). */
function stateNames(node: { readonly states: Record<string, unknown> }, names: string[] = []): string[] {
  for (const [name, child] of Object.entries(node.states)) {
    names.push(name);
    stateNames(child as { readonly states: Record<string, unknown> }, names);
  }
  return names;
}

/** Every key a journal line may hold (R41): the journal's fields and the machine's state names. */
const VOCABULARY = new Set([
  ...[
    'format version machineVersion input servers name enabled minMs maxMs options reset stableConnectionMs',
    'connectTimeoutMs keepAliveMs pingTimeoutMs jitter seq at event type error code message returnCode',
    'sessionPresent value state',
  ]
    .join(' ')
    .split(' '),
  ...stateNames(connectionMachine.root),
]);

/** All object keys in a JSON value, at any depth. */
function keysOf(value: unknown, keys = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) keysOf(item, keys);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      keys.add(key);
      keysOf(child, keys);
    }
  }
  return keys;
}

const runArb = fc.tuple(inputArb, fc.array(commandArb(), { maxLength: 60 }), drawsArb);

describe('journal and drivers', () => {
  it('R40, R42: replay(journal) yields the live run’s state value and context after every entry; seq counts from 1 and at is the clock', () => {
    fc.assert(
      fc.property(runArb, ([input, commands, draws]) => {
        const { h, steps } = run(input, commands, draws, 'actor');
        expect(steps).toHaveLength(h.journal.length);
        expect(h.journal.map((entry) => entry.seq)).toEqual(h.journal.map((_, i) => i + 1));
        const times = h.journal.map((entry) => entry.at);
        expect(times).toEqual([...times].sort((a, b) => a - b));
        expect(h.journal.at(-1)?.at ?? 0).toBeLessThanOrEqual(h.clock.now());
        const replayed = replay({ header: journalHeader(input), entries: h.journal });
        expect(replayed.map((s) => s.seq)).toEqual(h.journal.map((e) => e.seq));
        expect(replayed.map(({ value, context }) => ({ value, context }))).toEqual(steps);
      }),
      { numRuns: numRuns(100) },
    );
  });

  it('R2, R41, R42: every input is a plain JSON event: the journal is JSON lines of names and timings only, survives a round trip and replays to the same states', () => {
    fc.assert(
      fc.property(runArb, ([input, commands, draws]) => {
        const { h, steps } = run(input, commands, draws, 'actor');
        const journal = { header: journalHeader(input), entries: h.journal };
        const text = toJsonLines(journal);
        expect(text.split('\n').filter(Boolean)).toHaveLength(h.journal.length + 1);
        // R41: only the journal's own vocabulary: server names and timings, no address or credential.
        expect(
          [
            ...keysOf(
              text
                .split('\n')
                .filter(Boolean)
                .map((line) => JSON.parse(line)),
            ),
          ].filter((k) => !VOCABULARY.has(k)),
        ).toEqual([]);
        const parsed = fromJsonLines(text);
        expect(parsed).toEqual(journal);
        expect(replay(parsed).map(({ value, context }) => ({ value, context }))).toEqual(steps);
        // R96: every entry recorded the live state it led to, and the check finds them all equal.
        expect(h.journal.map((e) => e.state)).toEqual(steps.map((s) => s.value));
        expect(checkReplay(parsed)).toMatchObject({ checked: steps.length, mismatch: null });
      }),
      { numRuns: numRuns(60) },
    );
  });

  it('R43: a malformed line is refused with a ConfigError naming its line; another machine version is refused with a ConfigError', () => {
    const corruption = fc.constantFrom(
      '{"seq": 1, "at": 0',
      'not json',
      '[]',
      '{"seq":"1","at":0,"event":{"type":"x"}}',
      '{}',
    );
    fc.assert(
      fc.property(runArb, fc.nat(), corruption, ([input, commands, draws], pick, bad) => {
        const { h } = run(input, commands, draws, 'actor');
        const lines = toJsonLines({ header: journalHeader(input), entries: h.journal })
          .split('\n')
          .filter(Boolean);
        const index = pick % lines.length;
        lines[index] = bad;
        let error: unknown;
        try {
          fromJsonLines(lines.join('\n'));
        } catch (caught) {
          error = caught;
        }
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).key).toBe(`journal line ${index + 1}`);
        const header = { ...journalHeader(input), machineVersion: journalHeader(input).machineVersion + 1 };
        expect(() => replay({ header, entries: h.journal })).toThrow(ConfigError);
      }),
      { numRuns: numRuns(40) },
    );
  });

  it('R44: the actor and step drivers give identical journals, effects, emitted events and snapshots for the same inputs', () => {
    fc.assert(
      fc.property(runArb, ([input, commands, draws]) => {
        const { actor, step } = runOnBothDrivers((kind) => run(input, commands, draws, kind));
        expect(step.steps).toEqual(actor.steps);
        const a = actor.h.driver.getSnapshot();
        const s = step.h.driver.getSnapshot();
        expect({ value: s.value, context: s.context }).toEqual({ value: a.value, context: a.context });
        expect(step.h.violations).toEqual([]);
        expect(actor.h.violations).toEqual([]);
      }),
      { numRuns: numRuns(100) },
    );
  });
});
