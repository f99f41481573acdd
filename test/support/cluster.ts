/**
 * A real distributed MQTT broker for failover tests (spec R280-R285): a private `redis-server` on
 * a free loopback port (no persistence) and three aedes nodes (test/support/clusterNode.ts), each
 * its own process and port, sharing sessions through aedes-persistence-redis and routing through
 * mqemitter-redis. A node can be SIGKILLed and started again on its port; every line the nodes
 * print (the QoS 1 and 2 steps they read, wrote and stored) is kept, as evidence of what the
 * cluster itself lost or sent again.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, reap } from './brokers.js';
import type { ClusterNodeArgs } from './clusterNode.js';

const HOST = '127.0.0.1';
const REDIS = '/usr/bin/redis-server';
/** How long redis or a node may take to start (a node loads tsx under test: seconds on a busy machine). */
const READY_TIMEOUT_MS = 30_000;
const STDERR_LIMIT = 8_192;

/** Whether `redis-server` is installed (Debian package `redis-server`; scripts/ensure-tools.mjs). */
export function redisAvailable(): boolean {
  try {
    accessSync(REDIS, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether cluster tests can run: `false` locally without redis-server (they skip), a thrown error
 * in CI, where a skip would hide the test.
 */
export function requireRedis(): boolean {
  if (redisAvailable()) return true;
  if (process.env.CI) throw new Error('redis-server is required in CI: apt-get install -y redis-server');
  return false;
}

/** One line a node printed, with the node's index and its run (0 for the first start). */
export interface ClusterLine {
  readonly node: number;
  readonly run: number;
  readonly text: string;
}

/** Options of {@link startCluster}. */
export interface ClusterOptions {
  /**
   * How many aedes nodes.
   * @default 3
   */
  readonly nodes?: number;
}

/** A running cluster. */
export interface Cluster {
  /** The nodes' loopback ports, by node index (fixed across restarts). */
  readonly ports: readonly number[];
  /** Every line every node printed so far, in arrival order (see clusterNode.ts for the format). */
  readonly lines: readonly ClusterLine[];
  /** Whether node `index` runs now. */
  running(index: number): boolean;
  /** SIGKILLs node `index` (a crash) and resolves once it has exited. */
  kill(index: number): Promise<void>;
  /** Starts node `index` again on its port; resolves once it accepts connections. */
  start(index: number): Promise<void>;
  /** The tail of what node `index` (its current or last process) wrote to stderr. */
  stderr(index: number): string;
  /** Kills every node and redis. */
  close(): Promise<void>;
}

/** The node script next to this module: TypeScript under vitest/tsx, JavaScript in a bench build. */
function nodeCommand(): { script: string; flags: string[] } {
  const here = fileURLToPath(import.meta.url);
  const ts = here.endsWith('.ts');
  return {
    script: join(dirname(here), ts ? 'clusterNode.ts' : 'clusterNode.js'),
    flags: ts ? ['--import', 'tsx'] : [],
  };
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Spawns `command`, tied to the reaper; resolves once a stdout line satisfies `ready`. */
function spawnUntil(
  command: string,
  argv: readonly string[],
  ready: (line: string) => boolean,
  onLine: (line: string) => void,
  stdinPipe: boolean,
): Promise<{ child: ChildProcess; stderr: () => string }> {
  const child = spawn(command, argv, { stdio: [stdinPipe ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  reap('+', child.pid);
  child.once('exit', () => reap('-', child.pid));
  child.stdin?.on('error', () => {});
  let err = '';
  const stderr = () => err;
  child.stderr?.setEncoding('utf8').on('data', (t: string) => {
    err = (err + t).slice(-STDERR_LIMIT);
  });
  return new Promise((resolve, reject) => {
    let pending = '';
    let done = false;
    const fail = (why: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${command} ${argv.join(' ')}: ${why}; stderr:\n${err}`));
    };
    const timer = setTimeout(() => fail(`not ready within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
    child.once('error', (e) => fail(e.message));
    child.once('exit', (code, signal) => fail(`exited (${code ?? signal}) before it was ready`));
    child.stdout?.setEncoding('utf8').on('data', (t: string) => {
      const parts = (pending + t).split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) {
        onLine(line);
        if (!done && ready(line)) {
          done = true;
          clearTimeout(timer);
          resolve({ child, stderr });
        }
      }
    });
  });
}

async function killAndWait(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || exited(child)) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await gone;
}

/** Starts redis-server on a free loopback port, without persistence; retries if the port was taken meanwhile. */
async function startRedis(): Promise<{ child: ChildProcess; port: number }> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    try {
      const args = ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no'];
      const { child } = await spawnUntil(
        REDIS,
        args,
        (l) => l.includes('Ready to accept'),
        () => {},
        false,
      );
      return { child, port };
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

/** Starts redis and `options.nodes` aedes nodes sharing it; resolves once every node accepts connections. */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const count = options.nodes ?? 3;
  const redis = await startRedis();
  const { script, flags } = nodeCommand();
  const lines: ClusterLine[] = [];
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(await freePort());
  const children: (ChildProcess | undefined)[] = new Array(count).fill(undefined);
  const stderrs: (() => string)[] = new Array(count).fill(() => '');
  const runs: number[] = new Array(count).fill(-1);

  const start = async (index: number): Promise<void> => {
    const current = children[index];
    if (current !== undefined && !exited(current)) throw new Error(`node ${index} runs`);
    const run = (runs[index] ?? -1) + 1;
    runs[index] = run;
    const args: ClusterNodeArgs = {
      id: `n${index}`,
      port: ports[index] as number,
      redisPort: redis.port,
      run,
    };
    const started = await spawnUntil(
      process.execPath,
      [...flags, script, JSON.stringify(args)],
      (l) => l.startsWith('ready '),
      (text) => lines.push({ node: index, run, text }),
      true,
    );
    children[index] = started.child;
    stderrs[index] = started.stderr;
  };
  const close = async (): Promise<void> => {
    await Promise.all(children.map(killAndWait));
    await killAndWait(redis.child);
  };
  try {
    await Promise.all(ports.map((_, i) => start(i)));
  } catch (error) {
    await close();
    throw error;
  }
  return {
    ports,
    lines,
    running: (index) => {
      const child = children[index];
      return child !== undefined && !exited(child);
    },
    kill: (index) => killAndWait(children[index]),
    start,
    stderr: (index) => stderrs[index]?.() ?? '',
    close,
  };
}
