/**
 * The step driver's stepper port: the machine's pure step as two functions, so the driver
 * (stepDriverCore.ts) runs on either xstate's `transition()` (xstateStep.ts, the Node entry's
 * default, with its memo) or the chart step (chartStep.ts, no xstate: the browser's default).
 *
 * @module
 */
import type { ConnectionInput } from '../machines/events.js';
import type { ConnectionSnapshot } from './ports.js';

/** An action as a pure step returns it: an effect with its params, or an xstate built-in. */
export interface StepAction {
  /** The action's name: an effect (`openTransport`...), `xstate.emit`, `xstate.raise` or `xstate.cancel`. */
  readonly type: string;
  /** Its resolved params (`{ event }`, `{ event, id, delay }`, `{ sendId }` for the built-ins). */
  readonly params?: unknown;
}

/** A step: the next snapshot and the actions to carry out, in order. */
export type Step = readonly [ConnectionSnapshot, readonly StepAction[]];

/** The machine's pure step. */
export interface Stepper {
  /** The initial snapshot for `input` and the actions its entry runs. */
  initialStep(input: ConnectionInput): Step;
  /** The step of `snapshot` (one this stepper made) on `event`. */
  pureStep(snapshot: ConnectionSnapshot, event: { readonly type: string }, input: ConnectionInput): Step;
  /**
   * What an inspector is shown as the actor's logic: inspectors read its `config` (the chart) to
   * draw the machine (spec R120).
   */
  readonly logic: { readonly config: object };
}
