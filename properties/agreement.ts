/**
 * The check several property files end on (spec R40, R44): one run of the same inputs on the actor
 * and on the step driver, which must agree, and the journal of the run, which must replay to it.
 * Kept here so that a property file states only what its own events add to the check.
 */
import { expect } from 'vitest';
import { checkReplay, journalHeader } from '../machines/journal.js';
import type { DriverKind, Harness } from '../test/support/lifecycleHarness.js';

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
