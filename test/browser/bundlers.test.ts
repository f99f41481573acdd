/**
 * `import { MqttClient } from 'mqtt-lifeline'` in a browser app (spec R182-R183): the packed
 * package's `exports` send browser builds to the browser client and everything else, Node
 * included, to the Node client, as before.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { build as viteBuild } from 'vite';
import { beforeAll, describe, expect, it } from 'vitest';
import { type PackedPackage, packedPackage, ROOT, sh } from '../support/packed.js';

const ESBUILD = join(ROOT, 'node_modules', '.bin', 'esbuild');

/** The app's entries: the main entry imported, and required, as a browser app writes it. */
const ENTRIES = {
  'browser-app.mjs': `import { MqttClient } from 'mqtt-lifeline';\nexport const client = MqttClient;\n`,
  'browser-app.cjs': `const { MqttClient } = require('mqtt-lifeline');\nmodule.exports = MqttClient;\n`,
};

/**
 * The package's own entry files an esbuild metafile says went into the bundle. The shared chunks
 * tsdown splits out of the browser entries (`dist/storeImage-<hash>.mjs`, shared by `./browser`
 * and `./browser/indexeddb`) are not entries, so they are left out: what counts is which entry.
 */
function packageFiles(metafile: string): string[] {
  const { inputs } = JSON.parse(readFileSync(metafile, 'utf8')) as { inputs: Record<string, unknown> };
  return entryFiles(Object.keys(inputs));
}

/** `ids` (bundler module ids or paths) of the package's entry files, sorted; chunks left out. */
function entryFiles(ids: readonly string[]): string[] {
  return ids
    .filter((path) => path.includes('node_modules/mqtt-lifeline/'))
    .map((path) => path.slice(path.indexOf('mqtt-lifeline/')))
    .filter((path) => !/^mqtt-lifeline\/dist\/[A-Za-z0-9]+-[\w-]{8}\.(mjs|cjs)$/.test(path))
    .sort();
}

describe('the main entry in browser builds (R182-R183)', () => {
  let pkg: PackedPackage;

  beforeAll(async () => {
    pkg = await packedPackage();
    for (const [name, text] of Object.entries(ENTRIES)) writeFileSync(join(pkg.app, name), text);
  }, 180_000);

  it('R182: esbuild --platform=browser bundles the packed main entry as the browser client, with no Node built-in', async () => {
    for (const [entry, format, file] of [
      ['browser-app.mjs', 'esm', 'mqtt-lifeline/dist/browser.mjs'],
      ['browser-app.cjs', 'iife', 'mqtt-lifeline/dist/browser.cjs'],
    ] as const) {
      const meta = join(pkg.app, `${entry}.meta.json`);
      // The CLI exactly as a user runs it; before the browser condition this failed on "node:fs".
      await sh(
        ESBUILD,
        [
          entry,
          '--bundle',
          '--platform=browser',
          `--format=${format}`,
          `--outfile=${entry}.bundle.js`,
          `--metafile=${meta}`,
        ],
        pkg.app,
      );
      expect({ entry, files: packageFiles(meta) }).toEqual({ entry, files: [file] });
      const code = readFileSync(join(pkg.app, `${entry}.bundle.js`), 'utf8');
      expect(code).not.toMatch(/from ["']node:|require\(["'](node:|ws["'])/);
    }
  });

  it('R182: a real Vite browser build bundles the browser client', async () => {
    // Vite comes with vitest. Unlike esbuild it does not fail on `node:fs` in a browser build: it
    // swaps in an empty module and warns, so the check is which file it took. Which files it
    // loads, rather than which the output chunk lists: dist/browser.mjs only re-exports the chunk
    // it shares with ./browser/embedded (R186), and Rollup lists no module that renders no code.
    const loaded: string[] = [];
    await viteBuild({
      root: pkg.app,
      configFile: false,
      logLevel: 'silent',
      plugins: [
        {
          name: 'record-loads',
          load(id) {
            loaded.push(id);
            return null;
          },
        },
      ],
      build: {
        write: false,
        minify: false,
        lib: { entry: join(pkg.app, 'browser-app.mjs'), formats: ['es'], fileName: 'app' },
      },
    });
    expect(entryFiles(loaded)).toEqual(['mqtt-lifeline/dist/browser.mjs']);
  }, 60_000);

  it("R182: webpack's browser condition list picks the browser client too", async () => {
    // webpack is not installed here; esbuild's resolver, given the conditions webpack's `web`
    // target turns on, on a neutral platform, follows the same `exports` rules (first match).
    const result = await build({
      absWorkingDir: pkg.app,
      entryPoints: ['browser-app.mjs'],
      bundle: true,
      write: false,
      platform: 'neutral',
      mainFields: ['browser', 'module', 'main'],
      conditions: ['browser', 'import', 'module', 'webpack', 'production'],
      metafile: true,
      logLevel: 'silent',
    });
    expect(entryFiles(Object.keys(result.metafile.inputs))).toEqual(['mqtt-lifeline/dist/browser.mjs']);
  });

  it('R183: Node, and esbuild --platform=node, still resolve the Node client', async () => {
    const esm = await sh(
      process.execPath,
      ['--input-type=module', '-e', "console.log(import.meta.resolve('mqtt-lifeline'))"],
      pkg.app,
    );
    const cjs = await sh(process.execPath, ['-e', "console.log(require.resolve('mqtt-lifeline'))"], pkg.app);
    expect(esm.stdout.trim()).toMatch(/\/node_modules\/mqtt-lifeline\/dist\/index\.mjs$/);
    expect(cjs.stdout.trim()).toMatch(/\/node_modules\/mqtt-lifeline\/dist\/index\.cjs$/);
    const node = await build({
      absWorkingDir: pkg.app,
      entryPoints: ['browser-app.mjs'],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      external: ['rxjs', 'xstate', 'mqtt-packet', 'ws'],
      metafile: true,
      logLevel: 'silent',
    });
    const files = Object.keys(node.metafile.inputs).filter((path) => path.includes('mqtt-lifeline/dist/'));
    expect(files.some((path) => path.endsWith('mqtt-lifeline/dist/index.mjs'))).toBe(true);
    expect(files.some((path) => path.includes('browser'))).toBe(false);
  });

  it("R182: TypeScript with the browser condition sees the browser entry's types", async () => {
    // browserDefaults exists only in the browser entry, so the same file fails without it.
    writeFileSync(
      join(pkg.app, 'browser-types.ts'),
      "import { browserDefaults, MqttClient } from 'mqtt-lifeline';\n" +
        "export const client: MqttClient = new MqttClient({ servers: [{ url: 'ws://127.0.0.1/mqtt' }] });\n" +
        'export const defaults = browserDefaults;\n',
    );
    const tsconfig = (conditions: string[]) =>
      JSON.stringify({
        compilerOptions: {
          module: 'preserve',
          moduleResolution: 'bundler',
          customConditions: conditions,
          target: 'es2022',
          lib: ['es2023', 'dom'],
          types: [],
          strict: true,
          skipLibCheck: true,
          noEmit: true,
        },
        files: ['browser-types.ts'],
      });
    writeFileSync(join(pkg.app, 'tsconfig.browser.json'), tsconfig(['browser']));
    writeFileSync(join(pkg.app, 'tsconfig.plain.json'), tsconfig([]));
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    await sh(process.execPath, [tsc, '-p', 'tsconfig.browser.json'], pkg.app);
    await expect(sh(process.execPath, [tsc, '-p', 'tsconfig.plain.json'], pkg.app)).rejects.toThrow(
      /has no exported member '?browserDefaults/,
    );
  }, 60_000);
});
