import { existsSync } from 'node:fs';
import { defineConfig } from 'tsdown';

/**
 * The published build (README "Install"): each entry point as ESM and CommonJS with declarations
 * and declaration maps; the command-line tool as one ESM file. Source maps embed their sources;
 * the declaration maps point at the .ts files, which ship too (package.json `files`).
 *
 * To publish a subpath, list its source here and add `./<name>` to package.json `exports` the way
 * `.` is (dist/<name>.mjs, .cjs, .d.mts, .d.cts); the packaging test imports every subpath.
 */
const ENTRIES: Record<string, string> = {
  index: 'index.ts',
  mongoose: 'mongoose.ts',
  machine: 'machine.ts',
};

const shared = {
  platform: 'node',
  target: 'node20.19',
  tsconfig: 'tsconfig.build.json',
  sourcemap: true,
} as const;

export default defineConfig([
  {
    ...shared,
    // Entry files that do not exist yet are skipped; an `exports` subpath without its build
    // fails the packaging test.
    entry: Object.fromEntries(Object.entries(ENTRIES).filter(([, source]) => existsSync(source))),
    format: ['esm', 'cjs'],
    dts: { sourcemap: true },
  },
  {
    ...shared,
    entry: { cli: 'adapters/cli/main.ts' },
    format: ['esm'],
    dts: false,
  },
]);
