/**
 * The Graphviz DOT generator, {@link toDot}, re-exported by `diagram.ts`.
 *
 * @module
 */
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import {
  ancestors,
  children,
  type Edge,
  idOf,
  initialChild,
  isContainer,
  type Layout,
  layout,
  nodeLabel,
} from './walk.js';

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
 * states are circles. Edge labels match `toMermaid`, including eventless `always`
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
