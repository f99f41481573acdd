/**
 * The package as a user gets it (spec R97-R98): `npm pack` (which builds through `prepack`), the
 * tarball installed into a fresh project, every subpath imported under ESM and require(), a tiny
 * script and the `mqtt-lifeline` binary run against an embedded broker, NODE_DEBUG tracing, and
 * publint and arethetypeswrong clean. One test: packing and installing dominate its time; they
 * happen once per run (test/support/packed.ts), shared with the runtime and bundler tests.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startAedes } from './support/brokers.js';
import { useCleanups } from './support/cleanups.js';
import { packedPackage, ROOT, sh } from './support/packed.js';

const defer = useCleanups();

/** The script a user writes first: connect, subscribe, publish QoS 1, receive it, disconnect. */
const roundTrip = (load: string) => `${load}
const client = new MqttClient({ servers: [{ host: '127.0.0.1', port: Number(process.argv[2]) }] });
client.subscribe('pkg/test', { qos: 1 }).subscribe((m) => {
  console.log('received', new TextDecoder().decode(m.payload));
  client.disconnect().then(() => console.log('closed'));
});
client.onEvent((e) => { if (e.type === 'suback') client.publish('pkg/test', 'hello', { qos: 1 }); });
client.connect();
`;

describe('the npm package', () => {
  it('R97, R98: packs with its build, installs into a fresh project, and works under ESM, require() and as a binary', async () => {
    const broker = await startAedes();
    defer(() => broker.close());

    // Packed and installed once per run (test/support/packed.ts), shared with the runtime tests.
    const { tarball, files, app, installed } = await packedPackage();
    for (const file of [
      'LICENSE',
      'README.md',
      'package.json',
      'dist/index.mjs',
      'dist/index.cjs',
      'dist/cli.mjs',
    ])
      expect(files).toContain(file);
    expect([...files].filter((f) => f.endsWith('.test.ts'))).toEqual([]);

    // Every source map and declaration map points at files that ship, or embeds them.
    for (const map of [...files].filter((f) => f.endsWith('.map'))) {
      const tarMap = await sh('tar', ['-xzOf', tarball, `package/${map}`], app);
      const { sources, sourcesContent } = JSON.parse(tarMap.stdout) as {
        sources: string[];
        sourcesContent?: string[];
      };
      sources.forEach((source, i) => {
        const shipped = files.has(join(dirname(map), source).replace(/\\/g, '/'));
        expect({ map, source, ok: shipped || typeof sourcesContent?.[i] === 'string' }).toMatchObject({
          ok: true,
        });
      });
    }

    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
    };

    // Every subpath, both ways, with the same export names.
    for (const subpath of Object.keys(manifest.exports).filter((s) => s !== './package.json')) {
      const id = `mqtt-lifeline${subpath.slice(1)}`;
      const esm = await sh(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `console.log(JSON.stringify(Object.keys(await import('${id}')).sort()))`,
        ],
        app,
      );
      const cjs = await sh(
        process.execPath,
        ['-e', `console.log(JSON.stringify(Object.keys(require('${id}')).sort()))`],
        app,
      );
      const names = JSON.parse(esm.stdout) as string[];
      expect(names.length).toBeGreaterThan(0);
      expect(JSON.parse(cjs.stdout)).toEqual(names);
      // R185, R186: the browser's opt-in subpaths resolve to what an app passes in.
      if (subpath === './browser/mqtt5')
        expect(names.sort()).toEqual(['SCRAM_SHA_256', 'mqtt5', 'scramSha256']);
      if (subpath === './browser/embedded') expect(names).toEqual(['mqttClientLogic']);
    }
    expect(Object.keys(manifest.exports)).toEqual(
      expect.arrayContaining(['./browser/mqtt5', './browser/embedded']),
    );

    // R46: ./machine loads no Node built-in, rxjs or ws, under import or require(): its files and
    // every dist file they reach name none of them.
    // R122: ./browser loads no Node built-in and not ws either, nor do its opt-in subpaths (R185, R186).
    const portable: [string, RegExp][] = [
      ['dist/machine.mjs', /^node:|^rxjs|^ws$|^mqtt-packet/],
      ['dist/machine.cjs', /^node:|^rxjs|^ws$|^mqtt-packet/],
      ['dist/browser.mjs', /^node:|^ws$/],
      ['dist/browser.cjs', /^node:|^ws$/],
      ['dist/browser-mqtt5.mjs', /^node:|^ws$/],
      ['dist/browser-mqtt5.cjs', /^node:|^ws$/],
      ['dist/browser-embedded.mjs', /^node:|^ws$/],
      ['dist/browser-embedded.cjs', /^node:|^ws$/],
    ];
    for (const [start, forbidden] of portable) {
      const seen = new Set<string>();
      const visit = (file: string): void => {
        if (seen.has(file)) return;
        seen.add(file);
        const text = readFileSync(join(installed, file), 'utf8');
        const specifiers = [...text.matchAll(/(?:from |require\(|import\()"([^"]+)"/g)].map(
          (m) => m[1] as string,
        );
        expect({ file, foreign: specifiers.filter((x) => forbidden.test(x)) }).toEqual({
          file,
          foreign: [],
        });
        for (const x of specifiers) if (x.startsWith('./')) visit(join(dirname(file), x));
      };
      visit(start);
    }

    // The tiny script, as ESM and as CommonJS, against the embedded broker; NODE_DEBUG traces it.
    writeFileSync(join(app, 'esm.mjs'), roundTrip("import { MqttClient } from 'mqtt-lifeline';"));
    writeFileSync(join(app, 'cjs.cjs'), roundTrip("const { MqttClient } = require('mqtt-lifeline');"));
    const port = String(broker.port);
    const esm = await sh(process.execPath, ['esm.mjs', port], app, { NODE_DEBUG: 'mqtt-lifeline' });
    const cjs = await sh(process.execPath, ['cjs.cjs', port], app);
    expect(esm.stdout).toBe('received hello\nclosed\n');
    expect(cjs).toMatchObject({ stdout: 'received hello\nclosed\n', stderr: '' });
    expect(esm.stderr).toMatch(
      /^MQTT-LIFELINE \d+: connecting to mqtt \(mqtt:\/\/127\.0\.0\.1:\d+\), attempt 1$/m,
    );
    expect(esm.stderr).toMatch(
      /^MQTT-LIFELINE \d+: send PUBLISH topic="pkg\/test" id=\d+ qos=1 .*payload=5B/m,
    );
    expect(esm.stderr).not.toContain('hello');

    // The binary, through npx as a user runs it.
    const bin = await sh(
      'npx',
      [
        '--no-install',
        'mqtt-lifeline',
        'pub',
        '-L',
        `mqtt://127.0.0.1:${port}`,
        '-t',
        'x',
        '-m',
        'y',
        '-q',
        '1',
      ],
      app,
    );
    expect(bin).toMatchObject({ stdout: '', stderr: '' });
    const version = await sh('npx', ['--no-install', 'mqtt-lifeline', '--version'], app);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);

    // publint and arethetypeswrong on what was packed. attw's node16 profile: node10 resolution
    // ignores `exports`, so it cannot find subpaths (README "Install" says why that is accepted).
    const lint = await sh(
      process.execPath,
      [resolve(ROOT, 'node_modules/publint/src/cli.js'), installed, '--strict'],
      ROOT,
    );
    expect(lint.stdout).toMatch(/All good!/);
    expect(existsSync(tarball)).toBe(true);
    const attw = await sh(
      process.execPath,
      [
        resolve(ROOT, 'node_modules/@arethetypeswrong/cli/dist/index.js'),
        tarball,
        '--format',
        'json',
        '--profile',
        'node16',
      ],
      ROOT,
    );
    const problems = (
      JSON.parse(attw.stdout) as {
        analysis: { problems: { kind: string; entrypoint: string; resolutionKind?: string }[] };
      }
    ).analysis.problems;
    // Exactly the documented node10 findings, and nothing else.
    expect(problems.map((p) => `${p.resolutionKind} ${p.entrypoint} ${p.kind}`).sort()).toEqual([
      'node10 ./browser/embedded NoResolution',
      'node10 ./browser/indexeddb NoResolution',
      'node10 ./browser/mqtt5 NoResolution',
      'node10 ./machine NoResolution',
      'node10 ./mongoose NoResolution',
    ]);
  }, 300_000);
});
