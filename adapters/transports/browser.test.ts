/**
 * The browser transport's files carry no Node built-in and no `Buffer` (spec R79), and the
 * browser's default transport refuses what a browser cannot open.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { recorder } from '../../test/support/transportContract.js';
import { browserTransport } from './browser.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Every file `entry` imports at run time, transitively: `import type` / `export type` vanish at
 * build, so the driver port's xstate snapshot type (R230) does not put xstate on the path.
 */
function importGraph(entry: string): Map<string, string> {
  const files = new Map<string, string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    const text = readFileSync(file, 'utf8');
    files.set(file, text);
    for (const [, spec] of text.matchAll(/^(?:import|export) (?!type )[^;]*?from '([^']+)'/gms)) {
      if (spec?.startsWith('.')) visit(join(dirname(file), spec.replace(/\.js$/, '.ts')));
      else files.set(`package:${spec}`, '');
    }
  };
  visit(join(root, entry));
  return files;
}

describe('the browser transport (R79)', () => {
  it('imports no Node built-in, no package, and uses no Buffer', () => {
    const graph = importGraph('adapters/transports/browser.ts');
    const names = [...graph.keys()].map((f) => (f.startsWith('package:') ? f : relative(root, f)));
    expect(names).toContain('adapters/transports/websocket.ts');
    expect(names.filter((n) => n.startsWith('package:'))).toEqual([]);
    for (const [file, text] of graph) {
      // Comments may name Buffer; code may not.
      const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      expect(code, relative(root, file)).not.toMatch(/\bBuffer\b|\bprocess\.|require\(/);
    }
  });

  it.each(['mqtt', 'mqtts'] as const)(
    'fails %s:// with UNSUPPORTED_SCHEME, asynchronously',
    async (scheme) => {
      const rec = recorder();
      browserTransport({ scheme, host: 'h', port: 1 }, rec.handlers);
      expect(rec.kinds).toEqual([]);
      await rec.when('close');
      expect(rec.kinds).toEqual(['error', 'close']);
      expect(rec.errors[0]).toMatchObject({ code: 'TRANSPORT_ERROR', reason: 'UNSUPPORTED_SCHEME' });
    },
  );

  it('fails wss:// with tls settings as TLS_CONFIG (R77): a browser cannot take them', async () => {
    const rec = recorder();
    browserTransport(
      { scheme: 'wss', host: 'h', port: 1, url: 'wss://h:1/mqtt', tls: { ca: 'PEM' } },
      rec.handlers,
    );
    await rec.when('close');
    expect(rec.kinds).toEqual(['error', 'close']);
    expect(rec.errors[0]).toMatchObject({ reason: 'TLS_CONFIG' });
  });
});
