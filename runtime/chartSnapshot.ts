/**
 * The chart step's snapshot (chartStep.ts): the state value, context and status, with xstate's
 * `matches()`. What inspectors serialise (xstate's `toJSON()` shape) is added by the inspection
 * (inspection.ts), so a client that never inspects carries none of it (spec R368). Each step
 * makes its own value: the chart step runs a browser's client, where no fleet of clients would
 * share a memo of configurations (Node's fleets run xstate's step, which keeps one, R369).
 *
 * @module
 */
import type { ConnectionContext } from '../machines/implementations.js';
import type { StateValue } from '../machines/journalFormat.js';
import type { ChartNode } from './chartNodes.js';
import type { ConnectionSnapshot } from './ports.js';

/** A snapshot of the chart step: what {@link ConnectionSnapshot} promises, and its active nodes. */
export class ChartSnapshot implements ConnectionSnapshot {
  readonly status = 'active' as const;
  /** The active nodes in xstate's `_nodes` order (it decides the order of the value's keys); private, so copies and JSON leave it out. */
  readonly #nodes: readonly ChartNode[];

  constructor(
    readonly value: StateValue,
    readonly context: ConnectionContext,
    nodes: readonly ChartNode[],
  ) {
    this.#nodes = nodes;
  }

  /** The active nodes of a chart step's snapshot. */
  static nodesOf(snapshot: ChartSnapshot): readonly ChartNode[] {
    return snapshot.#nodes;
  }

  matches(value: StateValue): boolean {
    return matchesState(value, this.value);
  }
}

/** xstate's `matchesState`: whether `child` (a full state value) is in `parent` (a partial one). */
function matchesState(parent: StateValue, child: StateValue): boolean {
  // A dotted path is the nested value ('a.b' is { a: 'b' }); a plain name stays itself.
  const p = typeof parent === 'string' ? pathValue(parent.split('.')) : parent;
  if (typeof child === 'string') return typeof p === 'string' && p === child;
  if (typeof p === 'string') return p in child;
  return Object.keys(p).every(
    (key) => key in child && matchesState(p[key] as StateValue, child[key] as StateValue),
  );
}

const pathValue = (path: readonly string[]): StateValue =>
  path.length === 1 ? (path[0] as string) : { [path[0] as string]: pathValue(path.slice(1)) };

/** The snapshot of `nodes` (under `root`) with `context`. */
export function snapshotOf(
  root: ChartNode,
  nodes: readonly ChartNode[],
  context: ConnectionContext,
): ChartSnapshot {
  return new ChartSnapshot(stateValueOf(root, nodes), context, nodes);
}

/** xstate's `getStateValue`: children in the order they appear in `nodes`. */
function stateValueOf(node: ChartNode, nodes: readonly ChartNode[]): StateValue {
  const children = nodes.filter((n) => n.parent === node);
  const first = children[0];
  if (node.type === 'compound' && first?.type === 'atomic') return first.key;
  const value: Record<string, StateValue> = {};
  for (const child of children) value[child.key] = stateValueOf(child, nodes);
  return value;
}
