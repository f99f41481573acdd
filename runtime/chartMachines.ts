/**
 * The charts the chart step (chartStep.ts) runs (spec R364): the 3.1.1 base, or the whole chart
 * once the MQTT 5 profile gave it (chartStepV5.ts), each built once into a node tree with its
 * guards and context updates.
 *
 * @module
 */
import { baseChart } from '../machines/chartBase.js';
import type { ConnectionEvent } from '../machines/events.js';
import {
  type ConnectionContext,
  type ContextUpdate,
  type emitDisconnected,
  GUARDS,
  type Guard,
  recordTimeout,
  UPDATES,
} from '../machines/implementations.js';
import { buildTree, type ChartNode, type StateConfig } from './chartNodes.js';

/** The params of the actions that take them. */
export type Params = Parameters<typeof recordTimeout>[2] & Parameters<typeof emitDisconnected>[2];
/** A context update as the chart step calls it. */
export type Update = (c: ConnectionContext, e: ConnectionEvent, p: Params) => Partial<ConnectionContext>;

/**
 * A chart and the guards and context updates the chart step runs it with (spec R364): the 3.1.1
 * base's, or the whole chart's, which the MQTT 5 profile gives (chartStepV5.ts). The emitted
 * events, delays and effects are the base's in both.
 */
export interface ChartDefinition {
  /** The chart: machines/chartBase.ts's `baseChart` or machines/chart.ts's `connectionChart`. */
  readonly chart: object;
  /** Its guards by name. */
  readonly guards: Readonly<Record<string, Guard>>;
  /** Its context updates by action name (`recordTimeout` is added). */
  readonly updates: Readonly<Record<string, ContextUpdate>>;
}

/** A definition's node tree and tables. */
export interface Machine {
  /** The tree's root node. */
  readonly root: ChartNode;
  /** The definition's guards by name. */
  readonly guards: Readonly<Record<string, Guard>>;
  /** The definition's context updates by action name, `recordTimeout` included. */
  readonly updates: Readonly<Record<string, Update>>;
}

/** The 3.1.1 base: what the chart step steps unless the MQTT 5 profile gave it the whole chart. */
export const BASE_CHART: ChartDefinition = { chart: baseChart, guards: GUARDS, updates: UPDATES };

/** The whole chart, once the MQTT 5 profile gave it (chartStepV5.ts). */
let whole: ChartDefinition | undefined;

/** What a client starts on: the whole chart once the profile gave it, else the 3.1.1 base. */
export const currentChart = (): ChartDefinition => whole ?? BASE_CHART;

/**
 * Makes every chart step client created from now on step `definition` (the whole chart) instead
 * of the 3.1.1 base; one made before keeps stepping the base (it was made without the profile).
 */
export function stepChart(definition: ChartDefinition): void {
  whole = definition;
}

/** Machines by definition and by root node: a snapshot's nodes name their machine. */
export const machines = new Map<object, Machine>();

/**
 * The machine of a definition, its tree built on first use. That the chart uses only what this
 * step supports is checked by chartFeatures.test.ts rather than here, so browsers do not carry
 * the check (R347); an unknown target or action still throws here.
 */
export function machineOf(definition: ChartDefinition): Machine {
  let machine = machines.get(definition);
  if (machine === undefined) {
    machine = {
      root: buildTree(definition.chart as StateConfig),
      guards: definition.guards,
      // The params an action gets are the ones its config gives; the table types them all alike.
      updates: { ...definition.updates, recordTimeout } as unknown as Readonly<Record<string, Update>>,
    };
    machines.set(definition, machine);
    machines.set(machine.root, machine);
  }
  return machine;
}

/** The root of the tree `node` is in. */
export const rootOf = (node: ChartNode): ChartNode =>
  node.parent === undefined ? node : rootOf(node.parent);
