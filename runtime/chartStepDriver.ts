/**
 * The step driver on the chart step (chartStep.ts): no xstate in it, so it is the browser's
 * default driver and the runtime's own when an entry point names none (spec R343).
 *
 * @module
 */
import { chartStepper } from './chartStep.js';
import type { DriverFactory } from './ports.js';
import { stepDriverWith } from './stepDriverCore.js';

/**
 * Runs the statechart by folding the chart step: the same driver as `createStepDriver`, on the
 * chart interpreted without xstate (the same states, context and actions, spec R344).
 */
export const createChartStepDriver: DriverFactory = /* @__PURE__ */ stepDriverWith(chartStepper);
