/**
 * The chart step: the connection statechart's pure step without xstate. It interprets
 * a chart (chartMachines.ts) with the plain implementations of machines/, following
 * xstate v5's algorithm (its `macrostep`, `microstep`, `transitionNode`, `computeExitSet`,
 * `computeEntrySet`) for exactly the features the chart uses (chartFeatures.ts checks them), and
 * returns what xstateStep.ts returns: the next snapshot and the actions, in xstate's order and
 * shapes (effects with params, `xstate.emit` with the event, a delayed `xstate.raise` with the
 * event, id and delay, `xstate.cancel` with the sendId). properties/chartStep.prop.test.ts holds
 * the two steps equal (R343-R345). The browser's default client runs on it, so it carries no xstate.
 * It steps the 3.1.1 base chart (machines/chartBase.ts) unless the MQTT 5 profile has given it the
 * whole chart (chartStepV5.ts, R364), so the default client carries no MQTT 5 part of the chart.
 *
 * @module
 */
import type { ConnectionEvent, ConnectionInput } from '../machines/events.js';
import {
  type ConnectionContext,
  EMITS,
  emitDisconnected,
  type Guard,
  initialContext,
} from '../machines/implementations.js';
import {
  type ChartDefinition,
  currentChart,
  type Machine,
  machineOf,
  machines,
  type Params,
  rootOf,
} from './chartMachines.js';
import type { ChartAction, ChartNode, ChartTransition } from './chartNodes.js';
import { ChartSnapshot, snapshotOf } from './chartSnapshot.js';
import { effectOf } from './effects.js';
import type { ConnectionSnapshot } from './ports.js';
import type { StepAction, Stepper } from './stepper.js';

type Event = { readonly type: string };
const EMIT = { ...EMITS, emitDisconnected } as unknown as Readonly<
  Record<string, (c: ConnectionContext, e: ConnectionEvent, p: Params) => unknown>
>;

/** xstate's `isDescendant` (every node is one of `undefined`'s, the root included). */
const isDescendant = (child: ChartNode, parent: ChartNode | undefined): boolean =>
  child.parent === parent || (child.parent !== undefined && isDescendant(child.parent, parent));

/** One macrostep's working state, on its machine's tree and tables. */
interface Run extends Machine {
  context: ConnectionContext;
  readonly event: ConnectionEvent;
  readonly actions: StepAction[];
}

const guardPasses = (t: ChartTransition, run: Run): boolean =>
  t.guard === undefined || (run.guards[t.guard] as Guard)(run.context, run.event);

/** `transitionNode`: the deepest enabled transitions, per region of a parallel state. */
function select(node: ChartNode, active: ReadonlySet<ChartNode>, run: Run): ChartTransition[] {
  let inner: ChartTransition[] = [];
  for (const child of node.children) if (active.has(child)) inner = inner.concat(select(child, active, run));
  if (inner.length > 0) return inner;
  // `StateNode.next`: the node's first enabled transition for the event.
  const t = node.on.get(run.event.type)?.find((t) => guardPasses(t, run));
  return t === undefined ? [] : [t];
}

/** `selectEventlessTransitions`: per atomic state, the first enabled `always` up its ancestors. */
function selectAlways(nodes: readonly ChartNode[], run: Run): ChartTransition[] {
  const enabled = new Set<ChartTransition>();
  for (const atomic of nodes) {
    if (atomic.type !== 'atomic') continue;
    for (let s: ChartNode | undefined = atomic; s !== undefined; s = s.parent) {
      const t = s.always?.find((t) => guardPasses(t, run));
      if (t !== undefined) {
        enabled.add(t);
        break;
      }
    }
  }
  return removeConflicting(enabled, new Set(nodes));
}

/**
 * `getTransitionDomain` of a transition with a target: its source when it stays inside it, else
 * the nearest proper ancestor of the target that holds the source (`findLCCA`), else none
 * (reentering) or the root.
 */
function domainOf(t: ChartTransition, target: ChartNode): ChartNode | undefined {
  if (!t.reenter && (target === t.source || isDescendant(target, t.source))) return t.source;
  let lcca = target.parent;
  while (lcca !== undefined && !isDescendant(t.source, lcca)) lcca = lcca.parent;
  return lcca ?? (t.reenter ? undefined : rootOf(t.source));
}

/**
 * `computeExitSet`, node by node: whether `t` exits `node`, an active node under its domain (none
 * without a target). xstate also exits the domain when it is the source of a reentering
 * transition: never, as a reentering transition's domain is a proper ancestor of its source.
 */
const exits = (t: ChartTransition, node: ChartNode): boolean =>
  t.target !== undefined && isDescendant(node, domainOf(t, t.target));

/** `removeConflictingTransitions`: of two whose exits meet, the one from the deeper source, else the first. */
function removeConflicting(
  enabled: Iterable<ChartTransition>,
  active: ReadonlySet<ChartNode>,
): ChartTransition[] {
  const filtered = new Set<ChartTransition>();
  next: for (const t1 of enabled) {
    const remove: ChartTransition[] = [];
    for (const t2 of filtered)
      if ([...active].some((s) => exits(t1, s) && exits(t2, s))) {
        if (!isDescendant(t1.source, t2.source)) continue next;
        remove.push(t2);
      }
    for (const t of remove) filtered.delete(t);
    filtered.add(t1);
  }
  return [...filtered];
}

/** `computeEntrySet` (no history states: chartFeatures.ts rejects them). */
function entrySet(transitions: readonly ChartTransition[]): Set<ChartNode> {
  const enter = new Set<ChartNode>();
  const descendants = (node: ChartNode): void => {
    if (node.type === 'compound') {
      const initial = node.initial as ChartNode;
      enter.add(initial);
      descendants(initial);
    } else if (node.type === 'parallel') parallelChildren(node);
  };
  const parallelChildren = (node: ChartNode): void => {
    for (const child of node.children) {
      if ([...enter].some((s) => isDescendant(s, child))) continue;
      enter.add(child);
      descendants(child);
    }
  };
  for (const t of transitions) {
    if (t.target === undefined) continue;
    const domain = domainOf(t, t.target);
    // xstate's `|| t.reenter` adds nothing: a reentering transition's domain is never its source.
    if (t.source !== t.target || t.source !== domain) enter.add(t.target);
    descendants(t.target);
    // `addAncestorStatesToEnter`: the target's proper ancestors below the domain, then a parallel domain.
    // xstate's reentrancy domain is none for a reentering transition of the root: so is its domain.
    const ancestor = (node: ChartNode): void => {
      if (domain === undefined || isDescendant(node, domain)) enter.add(node);
      if (node.type === 'parallel') parallelChildren(node);
    };
    if (t.target !== domain)
      for (let node = t.target.parent; node !== undefined && node !== domain; node = node.parent)
        ancestor(node);
    if (domain?.type === 'parallel') ancestor(domain);
  }
  return enter;
}

/**
 * Resolves and carries out `actions`: updates apply to the context, the rest are collected
 * (effects, and the delays' `xstate.raise` and `xstate.cancel` alike, with their params).
 */
function perform(actions: readonly ChartAction[], run: Run): void {
  for (const { type, params: config } of actions) {
    // A params function reads the run's context and event, as xstate's reads `{ context, event }`.
    const params = (typeof config === 'function' ? config(run) : config) as Params;
    const update = run.updates[type];
    if (update !== undefined) run.context = { ...run.context, ...update(run.context, run.event, params) };
    else if (EMIT[type] !== undefined)
      run.actions.push({
        type: 'xstate.emit',
        params: { event: EMIT[type](run.context, run.event, params) },
      });
    // An effect the drivers carry out (effects.ts), or a delay's raise or cancel.
    else if (effectOf(type) !== undefined || type === 'xstate.raise' || type === 'xstate.cancel')
      run.actions.push({ type, params });
    else throw new Error(`chart: unknown action ${type}`);
  }
}

/** `microstep`: exits (deepest first), transition actions, entries (document order). */
function microstep(
  transitions: readonly ChartTransition[],
  nodes: readonly ChartNode[],
  run: Run,
): readonly ChartNode[] {
  const active = new Set(nodes);
  const filtered = removeConflicting(transitions, active);
  const exited = [...active].filter((s) => filtered.some((t) => exits(t, s)));
  for (const s of exited.sort((a, b) => b.order - a.order)) {
    perform(s.exit, run);
    active.delete(s);
  }
  for (const t of filtered) perform(t.actions, run);
  const enter = entrySet(filtered);
  for (const s of [...enter].sort((a, b) => a.order - b.order)) {
    active.add(s);
    perform(s.entry, run);
  }
  // xstate keeps the snapshot's node list when the set is the same (a state left and re-entered).
  return active.size === nodes.length && nodes.every((n) => active.has(n)) ? nodes : [...active];
}

/** Runs eventless transitions until none is enabled (the chart raises no internal events). */
function settle(nodes: readonly ChartNode[], run: Run): readonly ChartNode[] {
  let current = nodes;
  for (let enabled = selectAlways(current, run); enabled.length > 0; enabled = selectAlways(current, run))
    current = microstep(enabled, current, run);
  return current;
}

/** xstate's `getInitialStateNodes`: `node` and its initial descendants, every region of a parallel one. */
const initialNodes = (node: ChartNode): ChartNode[] => [
  node,
  ...(node.type === 'compound'
    ? initialNodes(node.initial as ChartNode)
    : node.type === 'parallel'
      ? node.children.flatMap(initialNodes)
      : []),
];

/** The chart step of a snapshot: its own machine's, whichever stepper made it. */
function pureStep(snapshot: ConnectionSnapshot, event: Event): readonly [ConnectionSnapshot, StepAction[]] {
  const from = snapshot as ChartSnapshot;
  const before = ChartSnapshot.nodesOf(from);
  const machine = machines.get(rootOf(before[0] as ChartNode)) as Machine;
  const run: Run = { ...machine, context: from.context, event: event as ConnectionEvent, actions: [] };
  // As xstate's macrostep: a microstep on the event's transitions (none: the same nodes), then the eventless ones.
  const nodes = settle(microstep(select(machine.root, new Set(before), run), before, run), run);
  const next =
    run.context === from.context && nodes === before ? from : snapshotOf(machine.root, nodes, run.context);
  return [next, run.actions];
}

/** A stepper whose clients start on `definition()`'s machine. */
function stepperOf(definition: () => ChartDefinition): Stepper {
  return {
    get logic() {
      return { config: definition().chart };
    },
    initialStep(input: ConnectionInput) {
      const machine = machineOf(definition());
      const { root } = machine;
      const run: Run = {
        ...machine,
        context: initialContext(input),
        event: { type: 'xstate.init', input } as never,
        actions: [],
      };
      // xstate's initial microstep enters exactly these, in document order (a pre-order walk).
      const entered = initialNodes(root);
      for (const node of entered) perform(node.entry, run);
      return [snapshotOf(root, settle(entered, run), run.context), run.actions];
    },
    pureStep,
  };
}

/**
 * The stepper of the chart step: the same port as xstate's (stepper.ts). A client starts on the
 * whole chart when the MQTT 5 profile has given it ({@link stepChart}), else on the 3.1.1 base,
 * and keeps to the chart it started on.
 */
export const chartStepper: Stepper = /* @__PURE__ */ stepperOf(currentChart);

/** The stepper of the chart step on `definition` alone, whatever the profile gave (for the tests). */
export const chartStepperFor = (definition: ChartDefinition): Stepper => stepperOf(() => definition);

export { BASE_CHART, type ChartDefinition, stepChart } from './chartMachines.js';
