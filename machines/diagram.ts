/**
 * Diagram generators for XState v5 machines: Mermaid `stateDiagram-v2`, Graphviz DOT, and a
 * structural check for misspelt `after` delay names.
 *
 * No npm package renders xstate v5 to Mermaid, and `toDirectedGraph` from `xstate/graph` drops
 * eventless `always` transitions, so these functions walk the machine's state nodes themselves.
 * Everything here is pure: the machine object in, text out. `scripts/diagram.ts` does the I/O.
 *
 * @module
 */
import { type AnyStateMachine, type AnyStateNode, and, not, or, stateIn } from 'xstate';

/** One arrow in a diagram: a transition from `source` to a single `target` with its label. */
interface Edge {
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
interface Layout {
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
function documentOrder(root: AnyStateNode): AnyStateNode[] {
  const out: AnyStateNode[] = [root];
  for (const child of children(root)) out.push(...documentOrder(child));
  return out;
}

function children(node: AnyStateNode): AnyStateNode[] {
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

function layout(machine: AnyStateMachine): Layout {
  const nodes = documentOrder(machine.root);
  return { machine, nodes, ids: assignIds(machine, nodes), edges: collectEdges(nodes) };
}

function idOf(lay: Layout, node: AnyStateNode): string {
  const id = lay.ids.get(node);
  if (id === undefined) throw new Error(`state node ${node.id} is not part of machine ${lay.machine.id}`);
  return id;
}

function isContainer(node: AnyStateNode): boolean {
  return node.type === 'compound' || node.type === 'parallel';
}

/** The label shown for a node: its key, with the history kind marked since neither tool has a glyph. */
function nodeLabel(node: AnyStateNode): string {
  if (node.type !== 'history') return node.key;
  return `${node.key} (${node.history === 'deep' ? 'H*' : 'H'})`;
}

function initialChild(node: AnyStateNode): AnyStateNode | undefined {
  return node.type === 'compound' ? node.initial.target[0] : undefined;
}

function finalChildren(node: AnyStateNode): AnyStateNode[] {
  return children(node).filter((c) => c.type === 'final');
}

// ---------------------------------------------------------------------------------------------
// Mermaid
// ---------------------------------------------------------------------------------------------

/** Mermaid ends a transition label at `:` or `;` and treats `#` as a comment or entity start. */
function mermaidText(label: string): string {
  return label.replace(/[:;#{}\r\n]/g, '_');
}

function mermaidQuoted(label: string): string {
  return label.replace(/"/g, "'").replace(/[\r\n]/g, ' ');
}

function ancestors(node: AnyStateNode): AnyStateNode[] {
  const out: AnyStateNode[] = [];
  for (let p = node.parent; p !== undefined; p = p.parent) out.push(p);
  return out;
}

/**
 * The block an edge is written in. Mermaid puts a state into the block where it first sees the
 * id, so an edge is written after both endpoints are declared, in the deepest block that strictly
 * contains both. A parallel block is skipped: text after its last `--` would join the last region.
 * `undefined` means the top level of the diagram.
 */
function mermaidEdgeBlock(edge: Edge): AnyStateNode | undefined {
  const targetAncestors = new Set(ancestors(edge.target));
  let block = ancestors(edge.source).find((a) => targetAncestors.has(a));
  while (block?.type === 'parallel') block = block.parent;
  return block;
}

/** Whether the root is drawn as a box. Only a parallel root needs one, for its `--` separators. */
function rootIsBoxed(lay: Layout): boolean {
  return lay.machine.root.type === 'parallel';
}

function mermaidDeclaration(lay: Layout, node: AnyStateNode, indent: string): string[] {
  const id = idOf(lay, node);
  const label = nodeLabel(node);
  const head = label === id ? `state ${id}` : `state "${mermaidQuoted(label)}" as ${id}`;
  if (!isContainer(node)) return [label === id ? `${indent}${id}` : `${indent}${head}`];
  return [`${indent}${head} {`, ...mermaidBody(lay, node, `${indent}  `), `${indent}}`];
}

/** The inside of a compound or parallel node: initial arrow, children, final arrows, edges. */
function mermaidBody(lay: Layout, node: AnyStateNode, indent: string): string[] {
  const lines: string[] = [];
  const initial = initialChild(node);
  if (initial !== undefined) lines.push(`${indent}[*] --> ${idOf(lay, initial)}`);
  children(node).forEach((child, i) => {
    if (node.type === 'parallel' && i > 0) lines.push(`${indent}--`);
    lines.push(...mermaidDeclaration(lay, child, indent));
  });
  for (const final of finalChildren(node)) lines.push(`${indent}${idOf(lay, final)} --> [*]`);
  if (node.type !== 'parallel') lines.push(...mermaidEdges(lay, node, indent));
  return lines;
}

function mermaidEdges(lay: Layout, block: AnyStateNode | undefined, indent: string): string[] {
  return lay.edges
    .filter((edge) => mermaidEdgeBlock(edge) === block)
    .map((e) => `${indent}${idOf(lay, e.source)} --> ${idOf(lay, e.target)} : ${mermaidText(e.label)}`);
}

/**
 * A compound root is the diagram itself, so its own transitions (handlers that apply in any
 * state) leave from a stand-in node rather than from an enclosing box.
 */
function mermaidRootStandIn(lay: Layout): string[] {
  const root = lay.machine.root;
  const used = lay.edges.some((e) => e.source === root || e.target === root);
  return used ? [`  state "${mermaidQuoted(`${lay.machine.id} (any state)`)}" as ${idOf(lay, root)}`] : [];
}

/**
 * Renders a machine as a Mermaid `stateDiagram-v2`.
 *
 * Compound states become nested `state id { ... }` blocks with `[*] --> initial`; regions of a
 * parallel state are separated by `--`; final states get `--> [*]`. Ids are the state path joined
 * by `_` (made Mermaid-safe), labelled with the state key via `state "key" as id` when they differ.
 * Edge labels are the event type, `after(<delay>)` or `always`, plus ` [guard]`. Targetless
 * transitions are omitted unless `reenter` is set; wildcard transitions are omitted.
 *
 * Each edge is written in the deepest block containing both ends, because Mermaid assigns a state
 * to the block where its id first appears. Mermaid itself does not lay out edges between states
 * in different composite states well; the text is still correct.
 *
 * @param machine - any XState v5 machine (from `createMachine` or `setup().createMachine`).
 * @returns the diagram text, deterministic for a given machine, ending with a newline.
 */
export function toMermaid(machine: AnyStateMachine): string {
  const lay = layout(machine);
  const root = machine.root;
  const lines = ['stateDiagram-v2'];
  if (rootIsBoxed(lay)) {
    lines.push(...mermaidDeclaration(lay, root, '  '));
  } else {
    lines.push(...mermaidRootStandIn(lay), ...mermaidBody(lay, root, '  '));
  }
  lines.push(...mermaidEdges(lay, undefined, '  '));
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// Graphviz DOT
// ---------------------------------------------------------------------------------------------

function dotString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

/**
 * Every cluster holds a point node: the visible initial marker of a compound state, an invisible
 * one in a parallel state. Edges to or from the cluster attach to it and are clipped to the border
 * with `lhead`/`ltail`. The `:` cannot occur in a sanitized id, so the name never collides.
 */
function anchorOf(lay: Layout, node: AnyStateNode): string {
  return `${idOf(lay, node)}:anchor`;
}

function dotNodeAttrs(node: AnyStateNode): string {
  const attrs = [`label=${dotString(nodeLabel(node))}`];
  if (node.type === 'final') attrs.push('peripheries=2');
  if (node.type === 'history') attrs.push('shape=circle');
  return attrs.join(', ');
}

function dotCluster(lay: Layout, node: AnyStateNode, indent: string): string[] {
  const inner = `${indent}  `;
  const anchor = dotString(anchorOf(lay, node));
  const style = node.type === 'parallel' ? '"rounded,dashed"' : 'rounded';
  const lines = [
    `${indent}subgraph ${dotString(`cluster_${idOf(lay, node)}`)} {`,
    `${inner}label=${dotString(nodeLabel(node))};`,
    `${inner}style=${style};`,
    `${inner}${anchor} [shape=point${node.type === 'parallel' ? ', style=invis' : ''}];`,
  ];
  for (const child of children(node)) lines.push(...dotNode(lay, child, inner));
  const initial = initialChild(node);
  if (initial !== undefined) lines.push(`${inner}${anchor} -> ${dotEndpoint(lay, initial)};`);
  lines.push(`${indent}}`);
  return lines;
}

function dotNode(lay: Layout, node: AnyStateNode, indent: string): string[] {
  if (isContainer(node)) return dotCluster(lay, node, indent);
  return [`${indent}${dotString(idOf(lay, node))} [${dotNodeAttrs(node)}];`];
}

function dotEndpoint(lay: Layout, node: AnyStateNode): string {
  return dotString(isContainer(node) && node !== lay.machine.root ? anchorOf(lay, node) : idOf(lay, node));
}

function isDescendant(node: AnyStateNode, of: AnyStateNode): boolean {
  return ancestors(node).includes(of);
}

/**
 * One DOT edge. `lhead`/`ltail` clip the arrow at a cluster border, but Graphviz warns and ignores
 * them when the other end is inside that cluster, so they are only set when it is outside.
 */
function dotEdge(lay: Layout, edge: Edge): string {
  const { source, target } = edge;
  const attrs = [`label=${dotString(edge.label)}`];
  const root = lay.machine.root;
  if (source !== target && source !== root && isContainer(source) && !isDescendant(target, source)) {
    attrs.push(`ltail=${dotString(`cluster_${idOf(lay, source)}`)}`);
  }
  if (source !== target && target !== root && isContainer(target) && !isDescendant(source, target)) {
    attrs.push(`lhead=${dotString(`cluster_${idOf(lay, target)}`)}`);
  }
  return `  ${dotEndpoint(lay, source)} -> ${dotEndpoint(lay, target)} [${attrs.join(', ')}];`;
}

/** The root is the whole graph, not a cluster; its own transitions leave from a stand-in node. */
function dotRoot(lay: Layout): string[] {
  const root = lay.machine.root;
  const lines: string[] = [];
  if (lay.edges.some((e) => e.source === root || e.target === root)) {
    const label = dotString(`${lay.machine.id} (any state)`);
    lines.push(`  ${dotString(idOf(lay, root))} [label=${label}, shape=plaintext];`);
  }
  const initial = initialChild(root);
  if (initial !== undefined) {
    lines.push(`  ${dotString(anchorOf(lay, root))} [shape=point];`);
    lines.push(`  ${dotString(anchorOf(lay, root))} -> ${dotEndpoint(lay, initial)};`);
  }
  return lines;
}

/**
 * Renders a machine as a Graphviz DOT digraph (`compound=true`, `rankdir=LR`).
 *
 * Compound and parallel states become `subgraph cluster_<id>` (parallel ones dashed); a compound
 * cluster contains a point node as its initial marker. Final states have a double border, history
 * states are circles. Edge labels match {@link toMermaid}, including eventless `always`
 * transitions, which `toDirectedGraph` from `xstate/graph` leaves out.
 *
 * @param machine - any XState v5 machine.
 * @returns DOT source, deterministic for a given machine, ending with a newline.
 */
export function toDot(machine: AnyStateMachine): string {
  const lay = layout(machine);
  const lines = [
    `digraph ${dotString(machine.id)} {`,
    '  compound=true;',
    '  rankdir=LR;',
    '  fontname="Helvetica";',
    '  node [shape=box, style=rounded, fontname="Helvetica"];',
    '  edge [fontname="Helvetica", fontsize=10];',
    ...dotRoot(lay),
  ];
  for (const child of children(machine.root)) lines.push(...dotNode(lay, child, '  '));
  for (const edge of lay.edges) lines.push(dotEdge(lay, edge));
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// Checks and file bundle
// ---------------------------------------------------------------------------------------------

/**
 * Lists `after` delays referenced by name but missing from `machine.implementations.delays`.
 *
 * xstate resolves an unknown delay name to `undefined` and then raises the event with no delay
 * at all, and TypeScript does not check `after` keys, so a typo silently turns a backoff into a
 * tight loop. Numeric delays are never reported.
 *
 * @param machine - the machine to check, after any `provide({ delays })`.
 * @returns entries `"<state id>: <delay>"` in document order; `[]` when every name is known.
 */
export function unknownDelays(machine: AnyStateMachine): string[] {
  const known = new Set(Object.keys(machine.implementations.delays));
  const bad: string[] = [];
  for (const node of documentOrder(machine.root)) {
    for (const t of node.after) {
      if (typeof t.delay === 'string' && !known.has(t.delay)) bad.push(`${node.id}: ${t.delay}`);
    }
  }
  return bad;
}

/** Options for {@link diagramFiles}. */
export interface DiagramFileOptions {
  /** Directory the files are placed in, relative to the repository root. Default `docs`. */
  readonly dir?: string;
  /** Base name of the files. Default `statechart`. */
  readonly name?: string;
  /** Source file named in the "generated from" sentence. Default `machines/connection.ts`. */
  readonly source?: string;
}

/**
 * The generated, checked-in diagram files for a machine, keyed by repository-relative path:
 * `<dir>/<name>.mmd` (Mermaid), `<dir>/<name>.md` (a page embedding the Mermaid block, which GitHub
 * renders) and `<dir>/<name>.dot`. The SVG is left out because its bytes depend on the Graphviz
 * version installed, so it cannot be compared in a test.
 *
 * @param machine - the machine to draw.
 * @param options - where the files go and which source file the page names.
 * @returns path → file content, in a fixed order.
 */
export function diagramFiles(
  machine: AnyStateMachine,
  options: DiagramFileOptions = {},
): Record<string, string> {
  const { dir = 'docs', name = 'statechart', source = 'machines/connection.ts' } = options;
  const mermaid = toMermaid(machine);
  const page = [
    `# Statechart: \`${machine.id}\``,
    '',
    `Generated by \`npm run diagram\` from \`${source}\`; do not edit this file by hand.`,
    '',
    '```mermaid',
    mermaid.trimEnd(),
    '```',
    '',
  ].join('\n');
  return {
    [`${dir}/${name}.mmd`]: mermaid,
    [`${dir}/${name}.md`]: page,
    [`${dir}/${name}.dot`]: toDot(machine),
  };
}
