/**
 * Process lifetime (spec R50-R52), proved where it matters: a user's script in its own Node
 * process (test/support/lifetimeChild.ts) running the real package, which an in-process test
 * cannot show (vitest keeps its worker alive whatever the client does).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/brokers.js';
import {
  connack,
  type FakeBroker,
  type FakeConnection,
  publishesOf,
  startFakeBroker,
} from '../support/fakeBroker.js';
import { type AedesWsHandle, startAedesWs } from '../support/wsBrokers.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCRIPT = join(ROOT, 'test', 'support', 'lifetimeChild.ts');
/** Every child is killed by then: a process the client wrongly holds shows up as this timeout. */
const DEADLINE_MS = 15_000;

interface Child {
  /** Lines printed so far. */
  readonly lines: string[];
  /** Resolves with the first line (from the start) that `match` accepts; rejects if the child exits first. */
  line(match: (line: string) => boolean): Promise<string>;
  /** Resolves when the child has exited, with its exit code (null when killed) and the time. */
  readonly exited: Promise<{ code: number | null; at: number }>;
  readonly process: ChildProcess;
}

const children: ChildProcess[] = [];
/** `wire` lines the children printed: wire rule violations (spec R226). */
const wireViolations: string[] = [];
let broker: FakeBroker | undefined;
let wsBroker: AedesWsHandle | undefined;
let silent: { server: net.Server; sockets: Set<net.Socket> } | undefined;
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  const violations = wireViolations.splice(0);
  await broker?.close();
  broker = undefined;
  await wsBroker?.close();
  wsBroker = undefined;
  const listening = silent;
  silent = undefined;
  if (listening !== undefined) {
    for (const socket of listening.sockets) socket.destroy();
    await new Promise<void>((resolve) => listening.server.close(() => resolve()));
  }
  expect(violations, 'the child broke MQTT wire rules').toEqual([]);
});

function run(mode: string, port: number, scheme: 'mqtt' | 'ws' = 'mqtt'): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, mode, String(port), scheme], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: string[] = [];
  const watchers = new Set<() => void>();
  let stderr = '';
  let pending = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    const parts = (pending + text).split('\n');
    pending = parts.pop() ?? '';
    lines.push(...parts);
    wireViolations.push(...parts.filter((l) => l.startsWith('wire ')));
    for (const watch of [...watchers]) watch();
  });
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), DEADLINE_MS);
  const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, at: Date.now() });
      for (const watch of [...watchers]) watch();
    }),
  );
  const line = (match: (line: string) => boolean) =>
    new Promise<string>((resolve, reject) => {
      const watch = () => {
        const found = lines.find(match);
        if (found !== undefined) {
          watchers.delete(watch);
          resolve(found);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          watchers.delete(watch);
          reject(
            new Error(
              `child exited (${child.exitCode ?? child.signalCode}) first; saw ${lines.join(' | ')}; ${stderr}`,
            ),
          );
        }
      };
      watchers.add(watch);
      watch();
    });
  return { lines, line, exited, process: child };
}

const is = (expected: string) => (line: string) => line === expected;

describe('a client holds the Node process between connect() and disconnect() (R50-R52)', () => {
  it('(a) a script awaiting a QoS 1 publish across a broker drop exits 0 only after the PUBACK, which answers a DUP=1 re-send (R50)', async () => {
    let pubackAt = 0;
    broker = await startFakeBroker((connection, packet) => {
      if (packet.cmd === 'connect') connection.send(connack(false));
      if (packet.cmd !== 'publish') return;
      // The first connection drops right after the PUBLISH: the client must retry, not exit.
      if (connection.index === 0) connection.destroy();
      else {
        pubackAt = Date.now();
        connection.send({ cmd: 'puback', messageId: packet.messageId as number });
      }
    });
    const child = run('qos1-drop', broker.port);
    const { code, at } = await child.exited;
    expect(child.lines).toContain('backoff');
    expect(child.lines).toContain('acked');
    expect(code).toBe(0);
    expect(pubackAt).toBeGreaterThan(0);
    expect(at).toBeGreaterThanOrEqual(pubackAt);
    const [first, second] = broker.connections as [FakeConnection, FakeConnection];
    expect(publishesOf(first).map((p) => p.dup)).toEqual([false]);
    const resent = publishesOf(second);
    expect(resent).toHaveLength(1);
    expect(resent[0]?.dup).toBe(true);
    expect(resent[0]?.messageId).toBe(publishesOf(first)[0]?.messageId);
  });

  it('(b) connect, publish, disconnect(): the process exits at once, with no socket or timer of the client left (R51)', async () => {
    broker = await startFakeBroker((connection, packet) => {
      if (packet.cmd === 'connect') connection.send(connack(false));
      if (packet.cmd === 'publish' && packet.qos === 1)
        connection.send({ cmd: 'puback', messageId: packet.messageId as number });
    });
    const child = run('publish-disconnect', broker.port);
    const resources = await child.line((l) => l.startsWith('resources '));
    // Nothing but stdio is left once disconnect() resolved: no Timeout, no TCPSocketWrap.
    expect(JSON.parse(resources.slice('resources '.length))).toEqual([]);
    const { code } = await child.exited;
    expect(code).toBe(0);
    expect(child.lines).toContain('done');
    expect(broker.connections[0]?.packets.map((p) => p.cmd)).toEqual([
      'connect',
      'publish',
      'publish',
      'disconnect',
    ]);
  });

  it('(c) with the broker down, the process keeps retrying until disconnect() is called (R50, R51)', async () => {
    const child = run('broker-down', await freePort());
    // Three scheduled retries: the process stayed alive through backoff each time.
    await child.line(() => child.lines.filter(is('backoff')).length >= 3);
    expect(child.process.exitCode).toBeNull();
    child.process.kill('SIGUSR2');
    const { code } = await child.exited;
    expect(code).toBe(0);
    expect(child.lines).toContain('stopped');
    const resources = child.lines.find((l) => l.startsWith('resources ')) ?? '';
    expect(JSON.parse(resources.slice('resources '.length))).toEqual([]);
  });

  it('(d) unref(): a connected client no longer keeps the process alive (R52)', async () => {
    broker = await startFakeBroker((connection, packet) => {
      if (packet.cmd === 'connect') connection.send(connack(false));
    });
    const child = run('unref-connected', broker.port);
    const { code } = await child.exited;
    expect(child.lines).toEqual(expect.arrayContaining(['connected', 'done']));
    expect(code).toBe(0);
    // It exited while connected: no DISCONNECT was ever sent.
    expect(broker.connections[0]?.packets.map((p) => p.cmd)).toEqual(['connect']);
  });

  it('(d) unref(): a client waiting to retry no longer keeps the process alive (R52)', async () => {
    const child = run('unref-backoff', await freePort());
    const { code } = await child.exited;
    expect(child.lines).toContain('done');
    expect(code).toBe(0);
  });

  it('(d) unref() over WebSocket: a connected client no longer keeps the process alive (R52)', async () => {
    wsBroker = await startAedesWs();
    const child = run('unref-connected', wsBroker.port, 'ws');
    const { code } = await child.exited;
    expect(child.lines).toEqual(expect.arrayContaining(['connected', 'done']));
    expect(code).toBe(0);
  });

  it('(d) unref() over WebSocket while the upgrade is pending: the socket it dials later is not held (R52)', async () => {
    // Accepts TCP and never answers the HTTP upgrade: the client stays connecting.
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    silent = { server, sockets };
    await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1' }, resolve));
    const child = run('unref-backoff', (server.address() as net.AddressInfo).port, 'ws');
    const { code } = await child.exited;
    expect(child.lines).toContain('done');
    expect(child.lines).not.toContain('connected');
    expect(code).toBe(0);
  });
});
