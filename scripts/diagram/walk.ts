/**
 * The walk shared by the diagram generators in `diagram.ts`: state nodes in document order, their
 * diagram ids, and the labelled edges of their transitions.
 *
 * @module
 */
import { type AnyStateMachine, type AnyStateNode, and, not, or, stateIn } from 'xstate';

/** One arrow in a diagram: a transition from `source` to a single `target` with its label. */
export interface Edge {
  readonly source: AnyStateNode;
  readonly target: AnyStateNode;
  readonly label: string;
}

/** The transition fields the generators read; `delay` exists only on delayed transitions. */
interface TransitionLike {
  readonly eventType: string;
  readonly target?: ReadonlyArray<AnyStateNode> | undefined;
  readonly guard?: unknown;
  readonly reenter: boolean;
  readonly delay?: unknown;
}

/** Everything both generators need, computed once per call so output order is stable. */
export interface Layout {
  readonly machine: AnyStateMachine;
  readonly nodes: readonly AnyStateNode[];
  readonly ids: ReadonlyMap<AnyStateNode, string>;
  readonly edges: readonly Edge[];
}

/** Prefix xstate gives the events of delayed transitions: `xstate.after.<delay>.<stateId>`. */
const AFTER_PREFIX = 'xstate.after.';

/**
 * Ids the (case-insensitive) Mermaid state lexer would read as keywords. Most keywords need
 * trailing whitespace or a colon, so only the bare word clashes; `default` matches as a prefix.
 */
const MERMAID_RESERVED = /^(default\w*|state|note|class|classdef|scale|statediagram|acctitle|accdescr)$/i;

/**
 * xstate's guard combinators return functions that carry a `check` implementation. Comparing
 * against the `check` of a throwaway instance identifies them without relying on function names.
 */
const COMBINATOR_KIND = new Map<unknown, string>([
  [checkOf(not('x')), 'not'],
  [checkOf(and(['x'])), 'and'],
  [checkOf(or(['x'])), 'or'],
  [checkOf(stateIn('x')), 'stateIn'],
]);

function checkOf(guard: unknown): unknown {
  return (guard as { check?: unknown }).check;
}

/** All state nodes in document order (pre-order, the order of `StateNode.order`). */
export function documentOrder(root: AnyStateNode): AnyStateNode[] {
  const out: AnyStateNode[] = [root];
  for (const child of children(root)) out.push(...documentOrder(child));
  return out;
}

export function children(node: AnyStateNode): AnyStateNode[] {
  return Object.values(node.states) as AnyStateNode[];
}

/** Turns any string into something both Mermaid and DOT accept as a bare identifier. */
function sanitizeId(raw: string): string {
  const cleaned = raw.replace(/[^A-Za-z0-9_]/g, '_') || 'state';
  return MERMAID_RESERVED.test(cleaned) ? `s_${cleaned}` : cleaned;
}

/**
 * Diagram ids: the state's path joined by `_`, made safe and unique. The root has an empty path,
 * so it is named after the machine id and allocated last so real states keep their natural ids.
 */
function assignIds(machine: AnyStateMachine, nodes: readonly AnyStateNode[]): Map<AnyStateNode, string> {
  const ids = new Map<AnyStateNode, string>();
  const taken = new Set<string>();
  const claim = (node: AnyStateNode, wanted: string): void => {
    let id = wanted;
    for (let n = 2; taken.has(id); n++) id = `${wanted}_${n}`;
    taken.add(id);
    ids.set(node, id);
  };
  for (const node of nodes) if (node !== machine.root) claim(node, sanitizeId(node.path.join('_')));
  claim(machine.root, sanitizeId(machine.id));
  return ids;
}

/** `*` and `foo.*` descriptors match many events; they are not drawable as one arrow. */
function isWildcard(eventType: string): boolean {
  return eventType === '*' || eventType.endsWith('.*');
}

/** Readable text for a guard: a name, `!g`, `a && b`, `a || b` or `in(state)`. */
function guardLabel(guard: unknown): string | undefined {
  if (guard === undefined || guard === null) return undefined;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') return functionGuardLabel(guard as GuardFunction);
  if (typeof guard === 'object' && typeof (guard as { type?: unknown }).type === 'string') {
    return (guard as { type: string }).type;
  }
  return 'guard';
}

type GuardFunction = ((...args: never[]) => unknown) & {
  readonly check?: unknown;
  readonly guards?: readonly unknown[];
  readonly stateValue?: unknown;
};

function functionGuardLabel(guard: GuardFunction): string {
  // Fall back to the function name in case the machine was built with another copy of xstate.
  const kind = COMBINATOR_KIND.get(guard.check) ?? guard.name;
  const parts = (guard.guards ?? []).map((g) => parenthesise(guardLabel(g) ?? 'guard'));
  if (kind === 'not' && parts.length === 1) return `!${parts[0]}`;
  if (kind === 'and' && parts.length > 0) return parts.join(' && ');
  if (kind === 'or' && parts.length > 0) return parts.join(' || ');
  if (kind === 'stateIn' && guard.stateValue !== undefined) return `in(${stateValueText(guard.stateValue)})`;
  // Inline guards defined as `guard: () => ...` get the name "guard" from the property key.
  return guard.name || 'guard';
}

function parenthesise(label: string): string {
  return / && | \|\| /.test(label) ? `(${label})` : label;
}

/** `'#id'` loses the `#` (a Mermaid comment marker); object state values become JSON. */
function stateValueText(value: unknown): string {
  return typeof value === 'string' ? value.replace(/^#/, '') : JSON.stringify(value);
}

/**
 * The event part of an edge label. Delayed transitions carry `delay` (the name or the number of
 * milliseconds); the `xstate.after.<delay>.<id>` event type is only parsed as a fallback because
 * state ids may themselves contain dots.
 */
function eventLabel(t: TransitionLike): string {
  if (t.eventType === '') return 'always';
  if (typeof t.delay === 'string' || typeof t.delay === 'number') return `after(${t.delay})`;
  if (t.eventType.startsWith(AFTER_PREFIX)) {
    const rest = t.eventType.slice(AFTER_PREFIX.length);
    return `after(${rest.slice(0, rest.indexOf('.'))})`;
  }
  return t.eventType;
}

function transitionLabel(t: TransitionLike): string {
  const guard = guardLabel(t.guard);
  return guard === undefined ? eventLabel(t) : `${eventLabel(t)} [${guard}]`;
}

/**
 * The arrows one transition contributes. Targetless transitions only run actions and leave the
 * configuration unchanged, so they are not drawn, except as a self loop when `reenter` is set.
 */
function edgesOf(source: AnyStateNode, t: TransitionLike): Edge[] {
  const targets = t.target && t.target.length > 0 ? t.target : t.reenter ? [source] : [];
  const label = transitionLabel(t);
  return targets.map((target) => ({ source, target, label }));
}

/** Every arrow, ordered by source in document order, then by xstate's transition order. */
function collectEdges(nodes: readonly AnyStateNode[]): Edge[] {
  const edges: Edge[] = [];
  for (const node of nodes) {
    for (const [eventType, list] of node.transitions) {
      if (isWildcard(eventType)) continue;
      for (const t of list) edges.push(...edgesOf(node, t as TransitionLike));
    }
    for (const t of node.always ?? []) edges.push(...edgesOf(node, t as TransitionLike));
  }
  return edges;
}

export function layout(machine: AnyStateMachine): Layout {
  const nodes = documentOrder(machine.root);
  return { machine, nodes, ids: assignIds(machine, nodes), edges: collectEdges(nodes) };
}

export function idOf(lay: Layout, node: AnyStateNode): string {
  const id = lay.ids.get(node);
  if (id === undefined) throw new Error(`state node ${node.id} is not part of machine ${lay.machine.id}`);
  return id;
}

export function isContainer(node: AnyStateNode): boolean {
  return node.type === 'compound' || node.type === 'parallel';
}

/** The label shown for a node: its key, with the history kind marked since neither tool has a glyph. */
export function nodeLabel(node: AnyStateNode): string {
  if (node.type !== 'history') return node.key;
  return `${node.key} (${node.history === 'deep' ? 'H*' : 'H'})`;
}

export function initialChild(node: AnyStateNode): AnyStateNode | undefined {
  return node.type === 'compound' ? node.initial.target[0] : undefined;
}

export function finalChildren(node: AnyStateNode): AnyStateNode[] {
  return children(node).filter((c) => c.type === 'final');
}

export function ancestors(node: AnyStateNode): AnyStateNode[] {
  const out: AnyStateNode[] = [];
  for (let p = node.parent; p !== undefined; p = p.parent) out.push(p);
  return out;
}
