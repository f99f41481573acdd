/**
 * Browser bundles, built with esbuild straight from the TypeScript sources: the measured browser
 * client (`npm run size`), the bundle the Chromium tests load, and the demo page's script.
 * `platform: 'browser'` with no polyfills: a Node built-in anywhere on the path fails the build,
 * which is the check that the browser path has none (spec R122).
 *
 * @module
 */
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';

/** The repository root: entries are resolved from here whatever the working directory. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** What to bundle. */
export interface BundleOptions {
  /** Entry file, relative to the repository root. */
  readonly entry: string;
  /** Minify (as measured for the budget). @default true */
  readonly minify?: boolean;
  /** Packages left out of the bundle (imported at run time instead). @default none */
  readonly external?: readonly string[];
  /** `esm` for `<script type="module">` and imports, `iife` for a classic script. @default 'esm' */
  readonly format?: 'esm' | 'iife';
  /** With `iife`: the global the entry's exports are assigned to. @default none */
  readonly globalName?: string;
  /** The directory `entry` and packages resolve from (an app with the packed package installed). @default the repository root */
  readonly root?: string;
}

/** A built bundle and its sizes. */
export interface Bundle {
  readonly code: string;
  /** Bytes of the (minified) bundle. */
  readonly bytes: number;
  /** Bytes after `gzip -9`. */
  readonly gzipBytes: number;
  /** Bytes each package (or `(own code)`) contributes to the output, largest first. */
  readonly parts: readonly { readonly name: string; readonly bytes: number }[];
}

/** Bundles `options.entry` for browsers; throws esbuild's error when something cannot be bundled. */
export async function bundle(options: BundleOptions): Promise<Bundle> {
  const result = await build({
    absWorkingDir: options.root ?? ROOT,
    entryPoints: [options.entry],
    bundle: true,
    write: false,
    platform: 'browser',
    format: options.format ?? 'esm',
    target: 'es2022',
    minify: options.minify ?? true,
    external: [...(options.external ?? [])],
    ...(options.globalName === undefined ? {} : { globalName: options.globalName }),
    metafile: true,
    logLevel: 'silent',
    legalComments: 'none',
  });
  const output = result.outputFiles[0];
  if (output === undefined) throw new Error(`esbuild wrote nothing for ${options.entry}`);
  const code = output.text;
  return {
    code,
    bytes: output.contents.byteLength,
    gzipBytes: gzipSync(output.contents, { level: 9 }).byteLength,
    parts: partsOf(result.metafile),
  };
}

/** Output bytes per npm package (`node_modules/<name>`), the project's own files as one part. */
function partsOf(metafile: Metafile): { name: string; bytes: number }[] {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
      const name = match?.[1] ?? '(own code)';
      totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/** Bytes of `bytes` after `gzip -9`. */
export function gzipSize(bytes: Uint8Array): number {
  return gzipSync(bytes, { level: 9 }).byteLength;
}
