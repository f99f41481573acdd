/**
 * The Mermaid `stateDiagram-v2` generator, {@link toMermaid}, re-exported by `diagram.ts`.
 *
 * @module
 */
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import {
  ancestors,
  children,
  type Edge,
  finalChildren,
  idOf,
  initialChild,
  isContainer,
  type Layout,
  layout,
  nodeLabel,
} from './walk.js';

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
