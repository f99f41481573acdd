/**
 * The static import graph of the sources, read with TypeScript's pre-processor (so `import type`,
 * `export ... from` and dynamic `import()` all count), for the tests of the layering rules.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** One import of one file: what it says, and the repository file it resolves to (relative ones). */
export interface ImportEdge {
  readonly from: string;
  readonly specifier: string;
  /** Repository-relative path of the imported source, for relative specifiers. */
  readonly target?: string;
}

/** Whether a bare specifier names a Node built-in (`node:net`, `fs`, `buffer` ...). */
export function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0] ?? '');
}

/** The imports of one repository file (`runtime/client.ts`). */
export function importsOf(file: string): ImportEdge[] {
  const source = readFileSync(join(ROOT, file), 'utf8');
  return ts.preProcessFile(source, true, true).importedFiles.map(({ fileName: specifier }) => {
    if (!specifier.startsWith('.')) return { from: file, specifier };
    const target = relative(ROOT, resolve(ROOT, dirname(file), specifier.replace(/\.js$/, '.ts')));
    if (!existsSync(join(ROOT, target))) throw new Error(`${file}: cannot resolve ${specifier}`);
    return { from: file, specifier, target };
  });
}

/** Every import reachable from `entry` (a repository file), following relative imports. */
export function importGraph(entry: string): ImportEdge[] {
  const seen = new Set<string>([entry]);
  const queue = [entry];
  const edges: ImportEdge[] = [];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    for (const edge of importsOf(file)) {
      edges.push(edge);
      if (edge.target !== undefined && !seen.has(edge.target)) {
        seen.add(edge.target);
        queue.push(edge.target);
      }
    }
  }
  return edges;
}

/** The shipped (non-test) `.ts` files under a repository folder. */
export function sourcesUnder(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .map((file) => join(folder, file));
}
