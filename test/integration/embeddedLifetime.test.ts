/**
 * Stopping an app machine stops its embedded client cleanly (spec R176), shown where it matters:
 * an app's script in its own Node process (test/support/embeddedChild.ts), which must send
 * DISCONNECT, settle what is pending and then exit by itself: nothing left holding the process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { useResources } from '../support/integration.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCRIPT = join(ROOT, 'test', 'support', 'embeddedChild.ts');
/** A process the client wrongly holds shows up as this timeout (it is then killed). */
const DEADLINE_MS = 15_000;

const { aedes, tap } = useResources();
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Runs the script to its end: its exit code (null when killed at the deadline) and its lines. */
function run(
  mode: string,
  port: number,
): Promise<{ code: number | null; lines: string[]; stderr: string; lingerMs: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, mode, String(port)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  let stoppedAt = Number.NaN;
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
    if (Number.isNaN(stoppedAt) && stdout.includes('stopped\n')) stoppedAt = Date.now();
  });
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), DEADLINE_MS);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      const lines = stdout.split('\n').filter((l) => l !== '');
      resolve({ code, lines, stderr, lingerMs: Date.now() - stoppedAt });
    }),
  );
}

describe('an app process with an embedded client exits once the app actor is stopped (R176)', () => {
  it('after a QoS 1 publish answered by command: DISCONNECT on the wire, exit code 0', async () => {
    const broker = await aedes();
    const wire = await tap(broker.port);
    const { code, lines, stderr, lingerMs } = await run('publish-stop', wire.port);
    // Exits well before the close grace (1 s) would destroy a socket that never closed.
    expect(lingerMs).toBeLessThan(1000);
    expect({ code, lines, stderr }).toEqual({
      code: 0,
      lines: ['connected', 'acked', 'stopped'],
      stderr: '',
    });
    expect(wire.packets.map((p) => p.packet.cmd)).toEqual(['connect', 'publish', 'disconnect']);
  }, 30_000);

  it('with a QoS 1 publish never acknowledged: it settles with ClientClosedError, DISCONNECT, exit code 0', async () => {
    const broker = await aedes();
    broker.broker.authorizePublish = () => {}; // never answered: the PUBACK never comes
    const wire = await tap(broker.port);
    const { code, lines, stderr, lingerMs } = await run('queued-stop', wire.port);
    // Exits well before the close grace (1 s) would destroy a socket that never closed.
    expect(lingerMs).toBeLessThan(1000);
    expect({ code, lines, stderr }).toEqual({
      code: 0,
      lines: ['connected', 'stopped', 'settled ClientClosedError'],
      stderr: '',
    });
    expect(wire.packets.map((p) => p.packet.cmd)).toEqual(['connect', 'publish', 'disconnect']);
  }, 30_000);
});
