/**
 * Writes the statechart diagrams of the connection machine (`npm run diagram`).
 *
 * The text files come from {@link diagramFiles}, so a test can compare the checked-in copies with
 * what the machine generates. The SVG is written only when Graphviz `dot` is on PATH and is not
 * compared, because its bytes depend on the Graphviz version.
 *
 * @module
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectionMachine } from '../machines/connection.js';
import { diagramFiles } from './diagram/diagram.js';

/** Repository root, so the script writes to the same place whatever the working directory. */
const ROOT = fileURLToPath(new URL('..', import.meta.url));

function writeFile(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  console.log(`wrote ${relative(ROOT, path)}`);
}

/** Renders DOT to SVG; returns `false` when `dot` is not installed rather than failing the run. */
function renderSvg(dotSource: string, svgPath: string): boolean {
  const result = spawnSync('dot', ['-Tsvg', '-o', svgPath], { input: dotSource, encoding: 'utf8' });
  if (result.error !== undefined) return false;
  if (result.status !== 0) throw new Error(`dot -Tsvg failed (${result.status}): ${result.stderr}`);
  console.log(`wrote ${relative(ROOT, svgPath)}`);
  return true;
}

function main(): void {
  const files = diagramFiles(connectionMachine);
  for (const [path, content] of Object.entries(files)) writeFile(join(ROOT, path), content);
  const dotPath = Object.keys(files).find((path) => path.endsWith('.dot'));
  const dotSource = dotPath === undefined ? undefined : files[dotPath];
  if (dotPath === undefined || dotSource === undefined) return;
  if (!renderSvg(dotSource, join(ROOT, dotPath.replace(/\.dot$/, '.svg')))) {
    console.log('graphviz `dot` not found on PATH; skipped the SVG');
  }
}

main();
