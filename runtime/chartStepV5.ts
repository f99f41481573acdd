/**
 * The whole connection chart for the chart step (spec R364): the 3.1.1 base with the MQTT 5
 * extension merged in (machines/chart.ts), and the guards and updates of both. The MQTT 5 profile
 * gives it to the chart step (`createV5Profile` calls {@link stepWholeChart}), so a client that can
 * speak MQTT 5 steps the states and transitions MQTT 5 events reach, and the default browser
 * client, which has no profile, carries none of them.
 *
 * @module
 */
import { connectionChart } from '../machines/chart.js';
import { ALL_GUARDS, ALL_UPDATES } from '../machines/implementationsV5.js';
import { type ChartDefinition, stepChart } from './chartMachines.js';

/** The whole chart and its guards and updates: what xstate's machine runs (machines/setup.ts). */
export const WHOLE_CHART: ChartDefinition = {
  chart: connectionChart,
  guards: ALL_GUARDS,
  updates: ALL_UPDATES,
};

/** Makes the chart step clients created from now on step the whole chart (R364). */
export function stepWholeChart(): void {
  stepChart(WHOLE_CHART);
}
