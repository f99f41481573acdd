/**
 * One client in every JavaScript runtime (spec R180-R181): the packed package, installed once per
 * run (test/support/packed.ts), runs its integration subset under Node, Bun and Deno: TCP and TLS
 * to mosquitto, WebSocket to aedes, the file store across two clients, and the `mqtt-lifeline`
 * binary. In CI a missing runtime fails; locally (another platform) it skips.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveMosquitto } from './support/brokers.js';
import { useCleanups } from './support/cleanups.js';
import { type PackedPackage, packedPackage, ROOT, sh } from './support/packed.js';
import { RUNTIMES, type Runtime, requireRuntime } from './support/runtimes.js';
import {
  generateCerts,
  startTlsMosquitto,
  type TestCerts,
  type TlsMosquitto,
} from './support/tlsFixtures.js';
import { type AedesWsHandle, startAedesWs } from './support/wsBrokers.js';

const defer = useCleanups();
const SUBSET = 'runtime-subset.mjs';

/** A child process whose stderr can be waited on line by line. */
function started(runtime: Runtime, args: readonly string[], cwd: string) {
  const child: ChildProcess = spawn(runtime.path, [...runtime.prefix, ...args], {
    cwd,
    env: { ...process.env, NODE_DEBUG: '', ...runtime.env },
  });
  defer(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const out = { stdout: '', stderr: '' };
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream]?.setEncoding('utf8').on('data', (text: string) => {
      out[stream] += text;
    });
  }
  const exited = new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? -1)));
  /** Resolves once stderr has a line matching `pattern`; rejects if the process ends first. */
  const stderrLine = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!pattern.test(out.stderr)) return;
        child.stderr?.off('data', check);
        resolve();
      };
      // Registered after the collector above, so `out.stderr` already holds the chunk.
      child.stderr?.on('data', check);
      check();
      exited.then((code) => reject(new Error(`exited ${code} before ${pattern}:\n${out.stderr}`)));
    });
  return { out, exited, stderrLine };
}

describe.runIf(haveMosquitto)('the packed package in every runtime (R180-R181)', () => {
  let pkg: PackedPackage;
  let certs: TestCerts;
  let mosquitto: TlsMosquitto;
  let aedes: AedesWsHandle;

  beforeAll(async () => {
    certs = generateCerts();
    [pkg, mosquitto, aedes] = await Promise.all([packedPackage(), startTlsMosquitto(certs), startAedesWs()]);
    copyFileSync(join(ROOT, 'test', 'support', 'runtimeSubset.mjs'), join(pkg.app, SUBSET));
  }, 180_000);

  afterAll(async () => {
    await mosquitto?.broker.stop();
    await aedes?.close();
    certs?.remove();
  });

  describe.each(RUNTIMES.filter(requireRuntime))('under $name', (runtime) => {
    it(`R180: ${runtime.name} connects over TCP, TLS and WebSocket and keeps a queued message in the file store`, async () => {
      const storeFile = join(pkg.app, `${runtime.name}.session`);
      const config = {
        tag: runtime.name,
        tcp: mosquitto.broker.port,
        tls: mosquitto.tlsPort,
        ws: aedes.url,
        ca: certs.file('ca.pem'),
        storeFile,
      };
      const run = await sh(runtime.path, [...runtime.prefix, SUBSET, JSON.stringify(config)], pkg.app, {
        ...runtime.env,
      });
      expect(run.stdout).toBe('ok tcp\nok tls\nok ws\nok store\n');
      // The store check really went through the file.
      expect(existsSync(storeFile)).toBe(true);
    }, 30_000);

    it(`R181: ${runtime.name} runs the mqtt-lifeline binary: sub over TLS receives what pub sends`, async () => {
      const manifest = JSON.parse(readFileSync(join(pkg.installed, 'package.json'), 'utf8')) as {
        bin: Record<string, string>;
      };
      const bin = join(pkg.installed, manifest.bin['mqtt-lifeline'] ?? 'missing');
      const topic = `rt/${runtime.name}/cli`;
      const server = ['-L', `mqtts://localhost:${mosquitto.tlsPort}`, '--cafile', certs.file('ca.pem')];
      const sub = started(runtime, [bin, 'sub', ...server, '-t', topic, '-q', '1', '-C', '1', '-d'], pkg.app);
      // The trace says when the broker granted the subscription: publishing before would lose it.
      await sub.stderrLine(/recv SUBACK id=\d+ granted=1/);
      const pub = await sh(
        runtime.path,
        [...runtime.prefix, bin, 'pub', ...server, '-t', topic, '-m', `from ${runtime.name}`, '-q', '1'],
        pkg.app,
        { ...runtime.env },
      );
      expect(pub).toMatchObject({ stdout: '', stderr: '' });
      expect(await sub.exited).toBe(0);
      expect(sub.out.stdout).toBe(`from ${runtime.name}\n`);
    }, 30_000);
  });
});
