import { defineConfig } from 'tsdown';

/**
 * The published build (README "Install"): each entry point as ESM and CommonJS with declarations
 * and declaration maps; the command-line tool as one ESM file. Source maps embed their sources;
 * the declaration maps point at the .ts files, which ship too (package.json `files`).
 *
 * A subpath `./<name>` of package.json `exports` is built from its source here, to
 * dist/<name>.mjs, .cjs, .d.mts, .d.cts; the packaging test imports every subpath.
 */
const ENTRIES: Record<string, string> = {
  index: 'index.ts',
  mongoose: 'adapters/mongoose/index.ts',
};
/**
 * Built on its own, sharing no chunk with the Node entries: a shared chunk can pull Node
 * built-ins, rxjs or ws into `require('mqtt-lifeline/machine')` (spec R46).
 */
const PORTABLE_ENTRIES: Record<string, string> = {
  machine: 'machines/index.ts',
};
/**
 * The browser entries, on their own too, resolved for browsers (spec R122). Built together, so the
 * IndexedDB store, the MQTT 5 profile, the embedded logic and the client share one copy of what
 * they have in common (a chunk: `StoreError`, the error classes, the runtime) rather than two.
 */
const BROWSER_ENTRIES: Record<string, string> = {
  browser: 'browser.ts',
  'browser-indexeddb': 'browserIndexedDb.ts',
  'browser-mqtt5': 'browserMqtt5.ts',
  'browser-embedded': 'browserEmbedded.ts',
};

const shared = {
  platform: 'node',
  target: 'node20.19',
  tsconfig: 'tsconfig.build.json',
  sourcemap: true,
  // .mjs / .cjs (and .d.mts / .d.cts) on every platform, as package.json `exports` names them.
  fixedExtension: true,
} as const;

export default defineConfig([
  {
    ...shared,
    entry: ENTRIES,
    format: ['esm', 'cjs'],
    dts: { sourcemap: true },
  },
  {
    ...shared,
    entry: PORTABLE_ENTRIES,
    format: ['esm', 'cjs'],
    dts: { sourcemap: true },
  },
  {
    ...shared,
    platform: 'browser',
    entry: BROWSER_ENTRIES,
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
