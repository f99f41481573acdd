/**
 * What each module of a browser bundle costs after gzip (`npm run size`, spec R188): the bytes the
 * gzipped bundle would lose without it. The bundle is built with minified syntax and names but not
 * whitespace, so esbuild keeps its `// path` line before each module's code; each module's code is
 * then left out in turn and the rest minified and gzipped. The figures are marginal: they do not add
 * up to the bundle's size exactly (what modules share compresses once), but they say which cut pays.
 *
 * @module
 */
import { gzipSync } from 'node:zlib';
import { build, transform } from 'esbuild';
import { ROOT } from './bundle.js';

/** One module's gzip share. */
export interface ModuleShare {
  /** The module's path (relative to the repository, or inside node_modules). */
  readonly module: string;
  /** Bytes the gzipped bundle loses without it. */
  readonly gzipBytes: number;
}

/** The gzip share of every module of `entry`'s browser bundle, largest first. */
export async function moduleShares(entry: string, external: readonly string[]): Promise<ModuleShare[]> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minifySyntax: true,
    minifyIdentifiers: true,
    external: [...external],
    logLevel: 'silent',
    legalComments: 'none',
  });
  const code = result.outputFiles[0]?.text ?? '';
  const pieces = code.split(/^\/\/ (\S+)$/m);
  const sections = new Map<string, string>([['(bundle head)', pieces[0] ?? '']]);
  for (let i = 1; i < pieces.length; i += 2) {
    const name = pieces[i] as string;
    sections.set(name, (sections.get(name) ?? '') + (pieces[i + 1] ?? ''));
  }
  const gzipped = async (parts: readonly string[]): Promise<number> => {
    const text = parts.join('\n');
    // A section cut out may leave code that no longer parses as a whole; then measure it as it is.
    const minified = await transform(text, { minifyWhitespace: true, loader: 'js' }).then(
      (out) => out.code,
      () => text,
    );
    return gzipSync(minified, { level: 9 }).byteLength;
  };
  const whole = await gzipped([...sections.values()]);
  const shares: ModuleShare[] = [];
  for (const name of sections.keys()) {
    const rest = [...sections].filter(([other]) => other !== name).map(([, text]) => text);
    const module = name.includes('node_modules/') ? name.slice(name.indexOf('node_modules/')) : name;
    shares.push({ module, gzipBytes: whole - (await gzipped(rest)) });
  }
  return shares.sort((a, b) => b.gzipBytes - a.gzipBytes);
}
