/**
 * What several property files share: the check they end on (spec R40, R44), one run of the same
 * inputs on the actor and on the step driver, which must agree, and the journal of the run, which
 * must replay to it; and runs built around a stretch of commands they are about. Kept here so
 * that a property file states only what its own events add.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { ConnectionInput } from '../machines/events.js';
import { checkReplay, journalHeader } from '../machines/journal.js';
import type { DriverKind, Harness } from '../test/support/lifecycleHarness.js';
import { drawsArb, inputArb, kindArb } from './arbitraries.js';

/**
 * Runs `run` on both drivers and asserts they agree (R44): the same journal, effects and emitted
 * events. Returns both runs, for what a property checks beyond that.
 */
export function runOnBothDrivers<R extends { readonly h: Harness }>(
  run: (kind: DriverKind) => R,
): { readonly actor: R; readonly step: R } {
  const actor = run('actor');
  const step = run('step');
  expect(step.h.journal).toEqual(actor.h.journal);
  expect(step.h.effects).toEqual(actor.h.effects);
  expect(step.h.emitted).toEqual(actor.h.emitted);
  return { actor, step };
}

/**
 * Asserts that the harness's journal replays to its live run (R40): no entry's recorded state
 * differs from the replayed one, and the last replayed context is the live context.
 */
export function expectReplaysToLive(h: Harness): void {
  const checked = checkReplay({ header: journalHeader(h.input), entries: h.journal });
  expect(checked.mismatch).toBeNull();
  const last = checked.steps.at(-1);
  if (last !== undefined) expect(last.context).toEqual(h.driver.getSnapshot().context);
}

/**
 * Runs that surely meet `middle`: an input, up to `before` random commands, the commands `middle`
 * draws, up to `after` random commands (which may meet it again), the random draws and the
 * driver. So a property about a rare situation is not left to chance (and cannot pass vacuously).
 */
export function runAroundArb<C>(
  command: fc.Arbitrary<C>,
  middle: fc.Arbitrary<readonly C[]>,
  before: number,
  after: number,
): fc.Arbitrary<readonly [ConnectionInput, C[], number[], DriverKind]> {
  return fc
    .tuple(
      inputArb,
      fc.array(command, { maxLength: before }),
      middle,
      fc.array(command, { maxLength: after }),
      drawsArb,
      kindArb,
    )
    .map(([input, prefix, stretch, suffix, draws, kind]) => [
      input,
      [...prefix, ...stretch, ...suffix],
      draws,
      kind,
    ]);
}
