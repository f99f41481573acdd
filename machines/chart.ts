/**
 * The connection statechart's states (docs/spec.md) as a plain object, with no xstate import: the
 * 3.1.1 base (chartBase.ts) with the MQTT 5 extension (chartV5.ts) merged in (spec R363).
 * machines/connection.ts makes the xstate machine of it (`connectionSetup.createMachine`), and the
 * chart step (runtime/chartStep.ts) interprets it directly when the MQTT 5 profile gives it, with
 * the plain implementations of implementations.ts and implementationsV5.ts. Actions, guards and
 * delays are named here and defined there.
 *
 * @module
 */
import { baseChart } from './chartBase.js';
import { mergeChart } from './chartMerge.js';
import { mqtt5Chart } from './chartV5.js';

/**
 * Bumped whenever a change to the machine could make an old journal replay differently. Version 3
 * added the MQTT 5 events (R260-R271); a version 2 journal holds none of them and replays the same.
 * Version 4 added enhanced authentication (R310-R317): the `authenticating` state, the connected
 * `auth` region and their events; version 2 and 3 journals replay the same (R317). Splitting the
 * chart into a base and an extension (R363) changed nothing a journal sees: still 4.
 */
export const MACHINE_VERSION = 4;

/**
 * The connection statechart's configuration: the states, their transitions and the names of their
 * actions, guards and delays. Plain data (and three params functions), shared by the xstate machine
 * and the chart step: the 3.1.1 base with the MQTT 5 extension merged in.
 */
export const connectionChart = /* @__PURE__ */ mergeChart(baseChart, mqtt5Chart);
