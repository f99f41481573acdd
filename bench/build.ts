/**
 * Compiles mqtt-lifeline and the bench harness to plain JavaScript for the worker processes.
 *
 * Why not run the workers under tsx: tsx compiles with esbuild's `keepNames`, which wraps every
 * function in `__name(fn, "...")`. That gives each closure its own property array (about 10 KB
 * per idle mqtt-lifeline client) and costs a call per closure created: it would measure tsx, not
 * the library as `npm run build` ships it. Type-only transpiling (no type check) takes about a
 * second; `npm run typecheck` is where types are checked.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
/** Where builds go: inside the repository, so `node_modules` packages resolve from them. */
export const BUILD_DIR = join(ROOT, 'node_modules', '.cache', 'mqtt-lifeline-bench');

/** A fresh directory under {@link BUILD_DIR}, so concurrent runs (a test and a benchmark) never share files. */
export function freshBuildDir(): string {
  mkdirSync(BUILD_DIR, { recursive: true });
  return mkdtempSync(join(BUILD_DIR, 'run-'));
}

/** The library as `tsconfig.build.json` ships it, plus the harness and the broker helper it uses. */
const SOURCES = [
  'index.ts',
  'errors.ts',
  'adapters',
  'machines',
  'protocol',
  'runtime',
  'streams',
  'bench',
  'test/support/brokers.ts',
  // The store crash test's publisher process (test/integration/store.crash.test.ts).
  'test/support/crashPublisher.ts',
  // The acknowledge-after-processing crash test's subscriber (test/integration/ackAfter.crash.test.ts).
  'test/support/crashSubscriber.ts',
  // The wire check those child processes run on their own bytes (spec R226).
  'test/support/wireCheck.ts',
  'test/support/wireValidator.ts',
  'test/support/wireV5.ts',
  'test/support/wireTypes.ts',
  // What those children share (argument, synchronous lines, start signal).
  'test/support/childIo.ts',
  // The restarted client of crashPublisher and the soak's peer (file store, own wire check).
  'test/support/restartedClient.ts',
  // The aedes + Redis cluster of the failover scenarios (bench/scenarios/failover.ts) and its node process.
  'test/support/cluster.ts',
  'test/support/clusterNode.ts',
];

/** The settings that shape emitted code, as in tsconfig.json (ES2022 keeps `#private` fields native). */
const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  // Every source is an ES module with explicit `.js` specifiers, which ESNext emits unchanged.
  module: ts.ModuleKind.ESNext,
  verbatimModuleSyntax: true,
  isolatedModules: true,
};

function tsFiles(path: string): string[] {
  const full = join(ROOT, path);
  if (path.endsWith('.ts')) return [full];
  return readdirSync(full, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.endsWith('.d.ts'))
    .map((file) => join(full, file));
}

/** Transpiles every source into `outDir`; returns the compiled worker's path. */
export function buildForBench(outDir: string = BUILD_DIR): string {
  for (const file of SOURCES.flatMap(tsFiles)) {
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: COMPILER_OPTIONS,
      fileName: file,
    });
    const target = join(outDir, relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
  // Without it node would take the compiled files for CommonJS (the cache has no package.json above it).
  writeFileSync(join(outDir, 'package.json'), '{ "type": "module" }\n');
  return join(outDir, 'bench', 'worker.js');
}

// `npx tsx bench/build.ts`: a build at the fixed path, for profiling and the tools in bench/tools.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) console.log(buildForBench());
