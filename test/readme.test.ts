/**
 * The README's examples are tests: every ```ts block runs as a script in a child process against
 * embedded aedes brokers and must exit cleanly, printing what the ```text block after it says, if there is one.
 * The directives (HTML comments right before a block) are documented in the README's last section.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as mongoose from '../adapters/mongoose/index.js';
import * as browser from '../browser.js';
import * as browserEmbedded from '../browserEmbedded.js';
import * as browserIndexedDb from '../browserIndexedDb.js';
import * as browserMqtt5 from '../browserMqtt5.js';
import * as api from '../index.js';
import * as machine from '../machines/index.js';
import { startAedes, startMosquitto } from './support/brokers.js';
import { generateCerts, startTlsMosquitto } from './support/tlsFixtures.js';
import { startWireTap, type WireTap } from './support/wireTap.js';
import { startAedesWs } from './support/wsBrokers.js';

const ENTRIES: Record<string, object> = {
  'mqtt-lifeline': api,
  'mqtt-lifeline/mongoose': mongoose,
  'mqtt-lifeline/machine': machine,
  'mqtt-lifeline/browser': browser,
  'mqtt-lifeline/browser/indexeddb': browserIndexedDb,
  'mqtt-lifeline/browser/mqtt5': browserMqtt5,
  'mqtt-lifeline/browser/embedded': browserEmbedded,
};

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
/** How long one example may run: they connect on loopback and end in well under a second. */
const RUN_TIMEOUT_MS = 15_000;

/** A stock mosquitto as the examples' brokers are handled: a port and a close. */
async function startMosquittoBroker(): Promise<{ port: number; close(): Promise<void> }> {
  const broker = await startMosquitto();
  return { port: broker.port, close: () => broker.stop() };
}

/** One ```ts block, what its directive asks for, and the output it must print. */
interface Example {
  readonly line: number;
  readonly code: string;
  readonly directives: ReadonlyMap<string, string>;
  prints: string[] | undefined;
}

const DIRECTIVE = /^<!--\s*readme-test:(.*?)-->\s*$/;

/** `key=value key="a value" flag` as a map (a flag maps to ''). */
function parseDirective(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/([\w-]+)(?:=("[^"]*"|\S+))?/g))
    out.set(m[1] as string, (m[2] ?? '').replace(/^"(.*)"$/, '$1'));
  return out;
}

/** The README's ```ts blocks in order, with their directives and expected output. */
function examples(markdown: string): Example[] {
  const lines = markdown.split('\n');
  const found: Example[] = [];
  let directives = new Map<string, string>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const directive = DIRECTIVE.exec(line);
    if (directive !== null) {
      directives = parseDirective(directive[1] as string);
      continue;
    }
    const fence = /^```(\w*)/.exec(line);
    if (fence === null) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !(lines[i] as string).startsWith('```'); i++) body.push(lines[i] as string);
    if (fence[1] === 'ts')
      found.push({ line: start + 1, code: body.join('\n'), directives, prints: undefined });
    else if (directives.has('prints')) {
      const last = found.at(-1);
      if (last === undefined) throw new Error(`README line ${start + 1}: "prints" before any ts block`);
      last.prints = body.filter((l) => l.trim() !== '');
    }
    directives = new Map();
  }
  return found;
}

/** Each entry point's source: what tsdown.config.ts builds dist/<name>.* from. */
const SOURCES: Readonly<Record<string, string>> = {
  'mqtt-lifeline': 'index.ts',
  'mqtt-lifeline/mongoose': 'adapters/mongoose/index.ts',
  'mqtt-lifeline/machine': 'machines/index.ts',
  'mqtt-lifeline/browser': 'browser.ts',
  'mqtt-lifeline/browser/indexeddb': 'browserIndexedDb.ts',
  'mqtt-lifeline/browser/mqtt5': 'browserMqtt5.ts',
  'mqtt-lifeline/browser/embedded': 'browserEmbedded.ts',
};

/** The subpaths package.json exports, as import specifiers (`./package.json` left out). */
function exportedSpecifiers(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    name: string;
    exports: Record<string, unknown>;
  };
  return Object.keys(pkg.exports)
    .filter((subpath) => subpath !== './package.json')
    .map((subpath) => (subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`));
}

/** The block as a runnable file: imports pointed at the sources, hosts and ports at the test's brokers. */
function prepare(code: string, ports: ReadonlyMap<string, number>, hosts: readonly string[]): string {
  let out = code.replace(/from '(mqtt-lifeline(?:\/[\w./-]+)?)'/g, (_whole, specifier: string) => {
    const source = SOURCES[specifier];
    if (source === undefined) throw new Error(`the README imports ${specifier}, which has no source here`);
    return `from '${join(ROOT, source)}'`;
  });
  for (const [port, actual] of ports) out = out.replace(new RegExp(`\\b${port}\\b`, 'g'), String(actual));
  for (const host of hosts) out = out.replaceAll(host, '127.0.0.1');
  return out;
}

/** Runs `file` with tsx; resolves with its exit code and output. */
function run(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    // In the scratch directory, so files an example writes (a session store) go away with it.
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: dirname(file),
      env: process.env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`did not exit within ${RUN_TIMEOUT_MS} ms; stdout:\n${stdout}\nstderr:\n${stderr}`));
    }, RUN_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** Whether `expected` lines appear in `output`, in order (each trimmed, as whole lines). */
function printsInOrder(output: string, expected: readonly string[]): boolean {
  const lines = output.split('\n').map((l) => l.trim());
  let at = 0;
  for (const want of expected) {
    const found = lines.indexOf(want.trim(), at);
    if (found < 0) return false;
    at = found + 1;
  }
  return true;
}

// Inside node_modules, so the scripts resolve rxjs and friends as a user's project would.
const cache = join(ROOT, 'node_modules', '.cache');
mkdirSync(cache, { recursive: true });
const workDir = mkdtempSync(join(cache, 'readme-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/**
 * `tls=8883,8884/mtls,8885/psk`: one mosquitto whose TLS listeners (server certificate; mutual
 * TLS; PSK `device1`) take the place of those ports, with certificates made now; the CA, a client
 * certificate and its key are written as `ca.pem`, `me.pem`, `me.key` where the example runs.
 */
async function startTlsBroker(spec: string, ports: Map<string, number>): Promise<{ close(): Promise<void> }> {
  const certs = generateCerts();
  const tls = await startTlsMosquitto(certs);
  const listeners: Record<string, number> = { '': tls.tlsPort, mtls: tls.mtlsPort, psk: tls.pskPort };
  for (const entry of spec.split(',')) {
    const [port = entry, kind = ''] = entry.split('/');
    const actual = listeners[kind];
    if (actual === undefined) throw new Error(`tls=: unknown listener kind ${kind}`);
    ports.set(port, actual);
  }
  writeFileSync(join(workDir, 'ca.pem'), certs.ca);
  writeFileSync(join(workDir, 'me.pem'), certs.clientCert);
  writeFileSync(join(workDir, 'me.key'), certs.clientKey);
  return {
    async close() {
      await tls.broker.kill();
      certs.remove();
    },
  };
}

describe('README: every example runs and prints what it says (R88)', () => {
  const blocks = examples(README);

  it('has examples that say what they print; a skipped one says why', () => {
    expect(blocks.filter((b) => b.prints !== undefined).length).toBeGreaterThanOrEqual(5);
    for (const b of blocks)
      if (b.directives.has('skip')) expect(b.directives.get('skip'), `line ${b.line}`).not.toBe('');
  });

  it('knows the source of every entry point package.json exports', () => {
    expect(Object.keys(SOURCES).sort()).toEqual(exportedSpecifiers().sort());
  });

  it('imports only names that its entry point exports', () => {
    const imported = [...README.matchAll(/import \{([^}]+)\} from '(mqtt-lifeline[^']*)'/g)].flatMap((m) =>
      (m[1] ?? '').split(',').map((name) => [m[2] ?? '', name.trim()] as const),
    );
    expect(imported.length).toBeGreaterThan(3);
    for (const [entry, name] of imported) {
      expect(ENTRIES, entry).toHaveProperty([entry]);
      expect(ENTRIES[entry], `${entry}: ${name}`).toHaveProperty(name);
    }
  });

  for (const [index, block] of blocks.entries()) {
    const skip = block.directives.get('skip');
    if (skip !== undefined) {
      it(`the example at README line ${block.line} is not run: ${skip}`, () => {
        expect(skip.length).toBeGreaterThan(0);
      });
      continue;
    }
    const against = block.directives.has('tls')
      ? 'a TLS mosquitto'
      : (block.directives.get('ports') ?? '').includes('/mosquitto')
        ? 'mosquitto'
        : 'aedes';
    it(`the example at README line ${block.line} runs against ${against} and prints what the README says`, async () => {
      const users = new Map(
        (block.directives.get('users') ?? '')
          .split(',')
          .filter((u) => u !== '')
          .map((u) => u.split(':') as [string, string]),
      );
      const authenticate =
        users.size === 0
          ? undefined
          : (
              _client: unknown,
              username: string | undefined,
              password: Buffer | undefined,
              done: (error: null, ok: boolean) => void,
            ) => done(null, username !== undefined && users.get(username) === password?.toString());
      const brokers: { close(): Promise<void> }[] = [];
      const taps: WireTap[] = [];
      try {
        const ports = new Map<string, number>();
        const tls = block.directives.get('tls');
        if (tls !== undefined) brokers.push(await startTlsBroker(tls, ports));
        for (const entry of (block.directives.get('ports') ?? (tls === undefined ? '1883' : '')).split(',')) {
          if (entry === '') continue;
          // `PORT` is MQTT over TCP, `PORT/ws` MQTT over WebSocket (path /mqtt).
          const [port = entry, kind] = entry.split('/');
          if (kind === 'ws' && authenticate !== undefined)
            throw new Error('users= is not supported with /ws');
          // `PORT/mosquitto` is a stock mosquitto, which speaks MQTT 5 too (aedes speaks 3.1.1 only).
          const broker =
            kind === 'ws'
              ? await startAedesWs()
              : kind === 'mosquitto'
                ? await startMosquittoBroker()
                : await startAedes(authenticate === undefined ? {} : { aedes: { authenticate } });
          brokers.push(broker);
          if (kind === 'ws') ports.set(port, broker.port);
          else {
            // Plain TCP goes through a tap that checks the example's wire (spec R225).
            const tap = await startWireTap(broker.port);
            brokers.push(tap);
            taps.push(tap);
            ports.set(port, tap.port);
          }
        }
        const hosts = (block.directives.get('hosts') ?? '').split(',').filter((h) => h !== '');
        const file = join(workDir, `example-${index + 1}.mts`);
        writeFileSync(file, prepare(block.code, ports, hosts));
        const result = await run(file);
        const story = `README line ${block.line}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
        expect(result.code, story).toBe(0);
        expect(result.stderr, story).toBe('');
        expect(printsInOrder(result.stdout, block.prints ?? []), story).toBe(true);
        for (const tap of taps) tap.assertValid();
      } finally {
        await Promise.all(brokers.map((b) => b.close()));
      }
    });
  }
});
