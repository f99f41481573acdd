/**
 * The layers and entry points (spec R46): which folder may import which, the machine entry's
 * module graph (no Node built-ins, no rxjs), named exports only, and package.json's subpaths.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type ImportEdge,
  importGraph,
  importsOf,
  isNodeBuiltin,
  ROOT,
  sourcesUnder,
} from './support/imports.js';

/** What each layer must never import (repository path prefixes). */
const FORBIDDEN: Record<string, readonly string[]> = {
  'machines/': ['adapters/', 'runtime/', 'streams/', 'protocol/', 'scripts/'],
  'protocol/': ['adapters/', 'runtime/', 'streams/', 'machines/', 'scripts/'],
  'runtime/': ['adapters/', 'scripts/'],
  'streams/': ['adapters/', 'scripts/'],
};

/** The layers that must run in every runtime: no Node built-in anywhere in them. */
const PORTABLE = ['machines/', 'protocol/', 'runtime/', 'streams/'];

const shipped = [
  'index.ts',
  'errors.ts',
  ...['machines', 'adapters', 'streams', 'protocol', 'runtime'].flatMap(sourcesUnder),
];
const describeEdge = (e: ImportEdge) => `${e.from} imports ${e.specifier}`;

describe('layers (R46)', () => {
  it('runtime/, protocol/, machines/ and streams/ never import adapters/ (nor a layer above them)', () => {
    const violations = Object.entries(FORBIDDEN).flatMap(([layer, forbidden]) =>
      sourcesUnder(layer)
        .flatMap(importsOf)
        .filter((e) => e.target !== undefined && forbidden.some((prefix) => e.target?.startsWith(prefix)))
        .map(describeEdge),
    );
    expect(violations).toEqual([]);
  });

  it('machines/, protocol/, runtime/ and streams/ import no Node built-in', () => {
    const violations = PORTABLE.flatMap(sourcesUnder)
      .flatMap(importsOf)
      .filter((e) => isNodeBuiltin(e.specifier))
      .map(describeEdge);
    expect(violations).toEqual([]);
  });

  it('the layering check sees a violation when there is one', () => {
    // The Node entry imports node:net through the TCP transport; the walker must find it.
    expect(importGraph('index.ts').some((e) => e.specifier === 'node:net')).toBe(true);
    expect(importsOf('runtime/client.ts').some((e) => e.target === 'streams/events.ts')).toBe(true);
  });

  it('streams/ takes its types from the leaf runtime/types.ts, never from the client that imports it', () => {
    const runtimeImports = sourcesUnder('streams/')
      .flatMap(importsOf)
      .filter((e) => e.target?.startsWith('runtime/') && e.target !== 'runtime/types.ts')
      .map(describeEdge);
    expect(runtimeImports).toEqual([]);
    expect(importsOf('runtime/types.ts').filter((e) => e.target?.startsWith('runtime/'))).toEqual([]);
  });

  it('the shipped modules import each other without cycles', () => {
    const graph = new Map(
      shipped.map((f) => [f, importsOf(f).flatMap((e) => (e.target === undefined ? [] : [e.target]))]),
    );
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (file: string): void => {
      state.set(file, 'open');
      stack.push(file);
      for (const next of graph.get(file) ?? []) {
        if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next].join(' -> '));
        else if (state.get(next) === undefined) visit(next);
      }
      stack.pop();
      state.set(file, 'done');
    };
    for (const file of shipped) if (state.get(file) === undefined) visit(file);
    expect(cycles).toEqual([]);
  });

  it('has no `export *` in shipped sources (named exports only)', () => {
    const star = shipped.filter((file) => /^\s*export\s+\*/m.test(readFileSync(join(ROOT, file), 'utf8')));
    expect(star).toEqual([]);
  });
});

describe('entry points (R46)', () => {
  it("the machine entry's module graph imports no Node built-in and no rxjs: xstate only", () => {
    const edges = importGraph('machines/index.ts');
    const bare = [...new Set(edges.filter((e) => e.target === undefined).map((e) => e.specifier))];
    expect(bare).toEqual(['xstate']);
    const files = new Set(edges.flatMap((e) => (e.target === undefined ? [] : [e.target])));
    for (const file of files) expect(file.startsWith('machines/') || file === 'errors.ts', file).toBe(true);
  });

  it('the machine entry gives the machine, the schedule and the journal', async () => {
    const machine = await import('../machines/index.js');
    expect(machine.connectionMachine.id).toBe('conn');
    expect(typeof machine.replay).toBe('function');
    const servers = [{ name: 'mqtt', enabled: true, minMs: 1000, maxMs: 4000 }];
    expect(machine.nextRetry(servers, { current: 0, t: 0 })).toMatchObject({ current: 0 });
  });

  it('package.json exports ., ./mongoose and ./machine, each built from a source that exists', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
    };
    // The build (tsdown.config.ts) names each entry and builds it from its source.
    const build = readFileSync(join(ROOT, 'tsdown.config.ts'), 'utf8');
    const sources: Record<string, string> = {
      '.': 'index.ts',
      './mongoose': 'adapters/mongoose/index.ts',
      './machine': 'machines/index.ts',
    };
    const entry = (name: string) => ({
      import: { types: `./dist/${name}.d.mts`, default: `./dist/${name}.mjs` },
      require: { types: `./dist/${name}.d.cts`, default: `./dist/${name}.cjs` },
    });
    for (const [subpath, source] of Object.entries(sources)) {
      const name = subpath === '.' ? 'index' : subpath.slice(2);
      // R182: browser builds of the main entry get the browser client; the key comes first
      // because resolvers take the first condition that matches.
      const expected = subpath === '.' ? { browser: entry('browser'), ...entry(name) } : entry(name);
      expect(pkg.exports[subpath], subpath).toEqual(expected);
      expect(Object.keys(pkg.exports[subpath] as object), subpath).toEqual(Object.keys(expected));
      expect(build, subpath).toContain(`${name}: '${source}'`);
      expect(existsSync(join(ROOT, source)), source).toBe(true);
    }
  });
});
