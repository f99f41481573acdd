/**
 * The connection chart (machines/chart.ts) as a tree of state nodes for the chart step
 * (chartStep.ts), built the way xstate v5 builds its `StateNode`s: ids `conn.a.b`, document order
 * by a pre-order walk, `after` delays as a delayed `xstate.raise` appended to the entry actions
 * and an `xstate.cancel` appended to the exit actions, with the delayed transitions after the
 * `on` ones. Only the features chartFeatures.ts accepts are built; no xstate import.
 *
 * @module
 */
import type { ConnectionEvent } from '../machines/events.js';
import { type ConnectionContext, DELAYS } from '../machines/implementations.js';

/** Params as a chart action gives them: an object, or a function of the context and event. */
export type ParamsConfig =
  | object
  | ((args: { readonly context: ConnectionContext; readonly event: ConnectionEvent }) => unknown);

/**
 * An action of the chart: a name or `{ type, params }`; a delay's `xstate.raise` (params made of
 * the context) and `xstate.cancel` are built so, and the chart step runs them as it runs effects.
 */
export interface ChartAction {
  readonly type: string;
  readonly params?: ParamsConfig;
}

/** A transition, its target resolved (one state, or none: chartFeatures.ts rejects lists). */
export interface ChartTransition {
  readonly source: ChartNode;
  readonly target: ChartNode | undefined;
  readonly reenter: boolean | undefined;
  readonly guard: string | undefined;
  readonly actions: readonly ChartAction[];
}

/** A state node. */
export interface ChartNode {
  readonly id: string;
  readonly key: string;
  readonly parent: ChartNode | undefined;
  /** Document order (pre-order), as xstate's `StateNode.order`. */
  readonly order: number;
  readonly type: 'atomic' | 'compound' | 'parallel';
  readonly children: ChartNode[];
  initial?: ChartNode;
  readonly entry: ChartAction[];
  readonly exit: ChartAction[];
  readonly on: Map<string, ChartTransition[]>;
  always?: ChartTransition[];
}

/** The subset of a state's config the chart step reads (chartFeatures.ts checks for the rest). */
export interface StateConfig {
  readonly id?: string;
  readonly type?: string;
  readonly initial?: string;
  readonly states?: { readonly [key: string]: StateConfig };
  readonly on?: { readonly [event: string]: TransitionsConfig };
  readonly after?: { readonly [delay: string]: TransitionsConfig };
  readonly always?: TransitionsConfig;
  readonly entry?: ActionsConfig;
  readonly exit?: ActionsConfig;
}

/** One or more transitions, or a target. */
export type TransitionsConfig = string | TransitionConfig | readonly TransitionConfig[];

/** One transition's config. */
export interface TransitionConfig {
  readonly target?: string;
  readonly guard?: string;
  readonly reenter?: boolean;
  readonly actions?: ActionsConfig;
}

/** One or more actions. */
export type ActionsConfig = string | ChartAction | readonly (string | ChartAction)[];

const toArray = <T>(value: T | readonly T[] | undefined): readonly T[] =>
  value === undefined ? [] : Array.isArray(value) ? (value as readonly T[]) : [value as T];

/** A config's actions as `{ type, params }` objects, so the chart step reads one shape. */
const actions = (value: ActionsConfig | undefined): ChartAction[] =>
  toArray(value).map((a) => (typeof a === 'string' ? { type: a } : a));

/** Builds the node tree of a chart config and returns its root. */
export function buildTree(config: StateConfig): ChartNode {
  const byId = new Map<string, ChartNode>();
  const pending: [ChartNode, StateConfig][] = [];
  const make = (cfg: StateConfig, key: string, parent: ChartNode | undefined): ChartNode => {
    const keys = Object.keys(cfg.states ?? {});
    const node: ChartNode = {
      // xstate's ids: the machine's, then each key on the path (`conn.online.connecting`).
      id: parent === undefined ? key : `${parent.id}.${key}`,
      key,
      parent,
      order: byId.size,
      type: cfg.type === 'parallel' ? 'parallel' : keys.length > 0 ? 'compound' : 'atomic',
      children: [],
      entry: actions(cfg.entry),
      exit: actions(cfg.exit),
      on: new Map(),
    };
    byId.set(node.id, node);
    for (const child of keys) node.children.push(make(cfg.states?.[child] as StateConfig, child, node));
    pending.push([node, cfg]);
    return node;
  };
  const root = make(config, config.id ?? '(machine)', undefined);
  // Transitions once every node exists, so targets resolve (xstate's `_initialize`).
  for (const [node, cfg] of pending) {
    if (cfg.initial !== undefined) node.initial = node.children.find((c) => c.key === cfg.initial);
    const transitions = (value: TransitionsConfig): ChartTransition[] =>
      toArray(typeof value === 'string' ? { target: value } : value).map((t) => {
        // A target: `#id`, or a path from the source's parent (a sibling).
        const target =
          t.target === undefined
            ? undefined
            : byId.get(t.target.startsWith('#') ? t.target.slice(1) : `${node.parent?.id}.${t.target}`);
        if (target === undefined && t.target !== undefined)
          throw new Error(`chart: no state ${t.target} from #${node.id}`);
        return { source: node, target, reenter: t.reenter, guard: t.guard, actions: actions(t.actions) };
      });
    for (const [event, value] of Object.entries(cfg.on ?? {})) node.on.set(event, transitions(value));
    for (const [delay, value] of Object.entries(cfg.after ?? {})) {
      const id = `xstate.after.${delay}.${node.id}`;
      node.entry.push({
        type: 'xstate.raise',
        params: ({ context }) => ({
          event: { type: id },
          id,
          delay: DELAYS[delay as keyof typeof DELAYS](context),
        }),
      });
      node.exit.push({ type: 'xstate.cancel', params: { sendId: id } });
      node.on.set(id, [...(node.on.get(id) ?? []), ...transitions(value)]);
    }
    if (cfg.always !== undefined) node.always = transitions(cfg.always);
  }
  return root;
}
