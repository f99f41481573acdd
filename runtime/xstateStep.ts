/**
 * The ONE file that relies on xstate internals (checked by runtime/xstateStep.test.ts, which says
 * what to look at when an xstate upgrade breaks it). The step driver folds the machine's pure
 * `transition()` by hand; to do so cheaply it:
 * - passes `transition()` a hand-built actor scope (xstate's own `transition()` builds a throwaway
 *   actor per call, about 20 us): `self`, `system` and an `actionExecutor` that collects actions;
 * - reads the collected actions' shapes: `xstate.raise` ({ event, id, delay }), `xstate.cancel`
 *   ({ sendId }), `xstate.emit` ({ event }), and custom actions with `params`;
 * - replaces parts of fresh snapshots (`_nodes`, `value`, `tags`, `children`, `historyValue`) by
 *   shared equal ones, relying on xstate never mutating a snapshot in place.
 * Its module state (the scope, the collector, the configuration cache) is private here and safe to
 * share between clients because steps never nest. Because snapshots are never changed in place,
 * steps are also memoised (stepMemo.ts): a fleet's clients with one shared input share their
 * initial snapshot and each step instead of computing an XState macrostep each.
 *
 * @module
 */
import { type AnyEventObject, createActor, type EventFromLogic, type SnapshotFrom } from 'xstate';
import { connectionMachine } from '../machines/connection.js';
import type { ConnectionInput } from '../machines/events.js';
import { isSharedInput } from './options.js';
import { StepMemo } from './stepMemo.js';
import type { StepAction, Stepper } from './stepper.js';

export type { StepAction } from './stepper.js';

/** xstate's full snapshot of the machine (more than the public `ConnectionSnapshot` promises). */
export type ConnectionSnapshot = SnapshotFrom<typeof connectionMachine>;

type Scope = Parameters<typeof connectionMachine.transition>[2];
let sharedScope: Scope | undefined;
let collected: StepAction[] = [];

/**
 * One inert actor scope for every step driver: it is only read while a step runs and steps never
 * nest, so one scope whose action collector is swapped per step serves all clients.
 */
function scope(input: ConnectionInput): Scope {
  if (sharedScope !== undefined) return sharedScope;
  const self = createActor(connectionMachine, { input });
  sharedScope = {
    // The actor is never started: it is only the identity the pure step reads.
    self: self as unknown as Scope['self'],
    id: '',
    sessionId: '',
    logger: () => {},
    defer: () => {},
    emit: () => {},
    system: self.system,
    stopChild: () => {},
    actionExecutor: (action) => {
      collected.push(action);
    },
  };
  return sharedScope;
}

// XState rebuilds its snapshot on every step and never changes one in place (it copies first), so
// the parts that many clients have alike can be single shared objects: an idle client then holds
// no state-value tree, active-node list, empty `tags` Set, `children` or `historyValue` of its own.
const NO_TAGS: ConnectionSnapshot['tags'] = new Set();
const NO_CHILDREN: ConnectionSnapshot['children'] = {};
const NO_HISTORY: ConnectionSnapshot['historyValue'] = {};
/** State configurations seen so far, by their ordered node ids: the machine has few of them. */
const configurations = new Map<string, Pick<ConnectionSnapshot, '_nodes' | 'value'>>();
const MAX_CONFIGURATIONS = 256;

/** Replaces the parts of a fresh snapshot that equal shared ones by those; returns it. */
function shareParts(snapshot: ConnectionSnapshot): ConnectionSnapshot {
  if (snapshot.tags.size === 0) snapshot.tags = NO_TAGS;
  if (isEmpty(snapshot.children)) snapshot.children = NO_CHILDREN;
  if (isEmpty(snapshot.historyValue)) snapshot.historyValue = NO_HISTORY;
  // The value follows from the active nodes, so one key covers both.
  let key = '';
  for (const node of snapshot._nodes) key += `${node.id} `;
  const known = configurations.get(key);
  if (known !== undefined) {
    snapshot._nodes = known._nodes;
    snapshot.value = known.value;
  } else if (configurations.size < MAX_CONFIGURATIONS) {
    configurations.set(key, { _nodes: snapshot._nodes, value: snapshot.value });
    memo.nameConfiguration(snapshot._nodes);
  }
  return snapshot;
}

function isEmpty(record: object): boolean {
  for (const _ in record) return false;
  return true;
}

const memo = new StepMemo<ConnectionSnapshot, StepAction>();

/** Initial snapshots and actions by input: clients with one (shared) input start alike. */
const initialSteps = new WeakMap<ConnectionInput, readonly [ConnectionSnapshot, readonly StepAction[]]>();

/**
 * The machine's initial snapshot for `input` and the actions its entry runs. Computing them costs
 * a full macrostep (tens of microseconds); snapshots are never changed in place, so clients with
 * one shared input share them.
 */
export function initialStep(input: ConnectionInput): readonly [ConnectionSnapshot, readonly StepAction[]] {
  const known = initialSteps.get(input);
  if (known !== undefined) return known;
  const actions: StepAction[] = [];
  collected = actions;
  const result = [shareParts(connectionMachine.getInitialSnapshot(scope(input), input)), actions] as const;
  if (isSharedInput(input)) initialSteps.set(input, result);
  return result;
}

/** The pure step: the next snapshot and the actions to carry out (memoised, see stepMemo.ts). */
export function pureStep(
  snapshot: ConnectionSnapshot,
  event: AnyEventObject,
  input: ConnectionInput,
): readonly [ConnectionSnapshot, readonly StepAction[]] {
  const key = memo.key(snapshot, event);
  const known = key === undefined ? undefined : memo.get(key);
  if (known !== undefined) return known;
  const actions: StepAction[] = [];
  collected = actions;
  const next = connectionMachine.transition(
    snapshot,
    event as EventFromLogic<typeof connectionMachine>,
    scope(input),
  );
  // An unchanged snapshot comes back as it was, already shared.
  const result = [next === snapshot ? next : shareParts(next), actions] as const;
  if (key !== undefined) memo.set(key, result);
  return result;
}

/** xstate's `transition()` as the step driver's stepper (the Node entry's default, memoised). */
export const xstateStepper: Stepper = {
  initialStep,
  pureStep: (snapshot, event, input) =>
    pureStep(snapshot as ConnectionSnapshot, event as AnyEventObject, input),
  logic: connectionMachine,
};
