import { defineConfig } from 'tsdown';

/**
 * The published build (README "Install"): the library as ESM and CommonJS with declarations and
 * declaration maps; the command-line tool as one ESM file. Source maps embed their sources; the
 * declaration maps point at the .ts files, which ship too (package.json `files`).
 */
const shared = {
  platform: 'node',
  target: 'node20.19',
  tsconfig: 'tsconfig.build.json',
  sourcemap: true,
} as const;

export default defineConfig([
  {
    ...shared,
    entry: { index: 'index.ts' },
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
