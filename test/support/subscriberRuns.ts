/**
 * Starts the subscriber processes of the acknowledge-after-processing crash test
 * (test/integration/ackAfter.crash.test.ts, child `crashSubscriber.ts`) and collects their lines.
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';

/** One subscriber process and what it printed. */
export interface SubscriberRun {
  readonly run: number;
  readonly process: ChildProcess;
  readonly lines: string[];
  readonly exited: Promise<void>;
  /** Lets it start (it loads and waits for this, so start-up time is not spent between kills). */
  go(): void;
  /** The tail of what it wrote to stderr (a reported ListenerError, a crash). */
  stderr(): string;
  /** Resolves with the first line starting with `prefix` (rejects after `timeoutMs`). */
  line(prefix: string, timeoutMs: number): Promise<string>;
  /** Called with every line. */
  onLine?: (line: string) => void;
}

/**
 * Spawns `node <worker> <args as JSON>`.
 * @param run - Its number, for messages.
 * @param worker - The compiled crashSubscriber.js.
 * @param args - Its argument.
 * @param onGo - Called right before it is told to go.
 */
export function spawnSubscriber(run: number, worker: string, args: object, onGo: () => void): SubscriberRun {
  const child = spawn(process.execPath, [worker, JSON.stringify(args)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let pending = '';
  let stderr = '';
  const waiters: { prefix: string; resolve: (line: string) => void }[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const handle: SubscriberRun = {
    run,
    process: child,
    lines,
    exited,
    go: () => {
      onGo();
      child.stdin?.write('go\n');
    },
    stderr: () => stderr,
    line: (prefix, timeoutMs) =>
      new Promise<string>((resolve, reject) => {
        const found = lines.find((l) => l.startsWith(prefix));
        if (found !== undefined) return resolve(found);
        const timer = setTimeout(
          () => reject(new Error(`run ${run}: no '${prefix}' within ${timeoutMs} ms; stderr:\n${stderr}`)),
          timeoutMs,
        );
        waiters.push({
          prefix,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
      }),
  };
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    const parts = (pending + text).split('\n');
    pending = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      handle.onLine?.(line);
      if (waiters.length === 0) continue;
      for (const w of waiters.filter((x) => line.startsWith(x.prefix))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr = (stderr + text).slice(-4000);
  });
  child.stdin?.on('error', () => {});
  return handle;
}
