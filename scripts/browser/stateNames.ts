/**
 * State names for the browser demo, shared by the page and the Node tests: the active state paths
 * of a state value, the DOT names Graphviz titles their SVG groups with (docs/statechart.svg, from
 * `npm run diagram`), and a short form of a value for people.
 *
 * @module
 */

/** The DOT names of a state path (`['online', 'connecting']`): as a node, then as a cluster. */
export function dotNames(path: readonly string[]): [node: string, cluster: string] {
  const name = path.join('_');
  return [name, `cluster_${name}`];
}

/** Every active state path of a state value, parents before children. */
export function activePaths(value: unknown, prefix: readonly string[] = []): string[][] {
  if (typeof value === 'string') return [[...prefix, value]];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) => [
    [...prefix, key],
    ...activePaths(inner, [...prefix, key]),
  ]);
}

/** The short form of a state value for people: `online.connected(keepalive.waiting, ...)`. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return String(value);
  const parts = Object.entries(value as Record<string, unknown>).map(([key, inner]) => {
    if (typeof inner === 'string') return `${key}.${inner}`;
    const nested = Object.keys(inner as object).length > 1;
    return nested ? `${key}(${describeValue(inner)})` : `${key}.${describeValue(inner)}`;
  });
  return parts.join(', ');
}
