/**
 * The command-line tool as a child process, for tests: its output as lines to wait for (never a
 * sleep), its exit code, its stdin. Runs the TypeScript source through tsx; the packaging test
 * runs the built binary.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The tool's entry point in the source tree. */
export const CLI_MAIN = join(ROOT, 'adapters', 'cli', 'main.ts');

/** How long {@link runCli} lets the tool run before killing it as hung. */
const HUNG_MS = 15_000;

/** A running `mqtt-lifeline`. */
export interface CliRun {
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything written to stdout / stderr so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout (or stderr) line matching `pattern`, seen so far or later. */
  line(pattern: RegExp, stream?: 'stdout' | 'stderr'): Promise<string>;
  /** Resolves with the exit code (a signal counts as -1). */
  readonly exited: Promise<number>;
}

/** What {@link runCli} resolves with once the tool exited. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts the tool; `env` is added to a copy of this process's environment (minus NODE_DEBUG). */
export function startCli(args: readonly string[], env: Record<string, string> = {}): CliRun {
  const { NODE_DEBUG: _, ...base } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', CLI_MAIN, ...args], {
    cwd: ROOT,
    env: { ...base, ...env },
  });
  const text = { stdout: '', stderr: '' };
  const waiters: { pattern: RegExp; stream: 'stdout' | 'stderr'; resolve: (line: string) => void }[] = [];
  const check = () => {
    for (const waiter of [...waiters]) {
      const found = text[waiter.stream].split('\n').find((line) => waiter.pattern.test(line));
      if (found === undefined) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(found);
    }
  };
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream].setEncoding('utf8').on('data', (chunk: string) => {
      text[stream] += chunk;
      check();
    });
  }
  const exited = new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? -1)));
  return {
    child,
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    line: (pattern, stream = 'stdout') =>
      new Promise((resolve, reject) => {
        waiters.push({ pattern, stream, resolve });
        check();
        // An exit before the line is a failure with the output in the message, not a timeout.
        void exited.then((code) =>
          reject(
            new Error(`exited ${code} before ${pattern}\nstdout: ${text.stdout}\nstderr: ${text.stderr}`),
          ),
        );
      }),
    exited,
  };
}

/** Runs the tool to its end, with `stdin` written and closed. */
export async function runCli(
  args: readonly string[],
  options: { readonly env?: Record<string, string>; readonly stdin?: string } = {},
): Promise<CliResult> {
  const run = startCli(args, options.env);
  run.child.stdin.end(options.stdin ?? '');
  // A bound, not a synchronisation: a hung tool must not outlive its test.
  const guard = setTimeout(() => run.child.kill('SIGKILL'), HUNG_MS);
  const code = await run.exited;
  clearTimeout(guard);
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}
