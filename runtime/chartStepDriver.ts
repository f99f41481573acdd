/**
 * The step driver on the chart step (chartStep.ts): no xstate in it, so it is the browser's
 * default driver and the runtime's own when an entry point names none (spec R343).
 *
 * @module
 */
import { chartStepper } from './chartStep.js';
import type { DriverOptions, LifecycleDriver } from './ports.js';
import { stepDriverWith } from './stepDriverCore.js';

const chartStepDriver = /* @__PURE__ */ stepDriverWith(chartStepper);

/**
 * Runs the statechart by folding the chart step: the same driver as `createStepDriver`, on the
 * chart interpreted without xstate (the same states, context and actions, spec R344).
 */
export function createChartStepDriver(options: DriverOptions): LifecycleDriver {
  return chartStepDriver(options);
}
