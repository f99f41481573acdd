/**
 * The step driver on xstate's own `transition()` (xstateStep.ts, memoised): the Node entry's
 * default driver. The browser's default runs the same driver on the chart step instead
 * (chartStep.ts), which carries no xstate. This one inspects without being told how: it carries
 * xstate anyway, and Node users always had `inspect` work with it (spec R367).
 *
 * @module
 */
import { stepInspection } from './inspection.js';
import type { DriverOptions, LifecycleDriver } from './ports.js';
import { stepDriverWith } from './stepDriverCore.js';
import { xstateStepper } from './xstateStep.js';

const xstateStepDriver = /* @__PURE__ */ stepDriverWith(xstateStepper, stepInspection);

/**
 * Runs the statechart by folding xstate's pure `transition()`: delayed raises become timers on
 * the injected clock and cancels clear them, so the runtime owns all of its timers.
 */
export function createStepDriver(options: DriverOptions): LifecycleDriver {
  return xstateStepDriver(options);
}
