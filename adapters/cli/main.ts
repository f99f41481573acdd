#!/usr/bin/env node
/**
 * `mqtt-lifeline`, the command-line tool (spec R94-R96): the process around {@link run}.
 * Arguments are parsed by Node's own `util.parseArgs` (maintained with Node, no dependency).
 *
 * @module
 */
import { EXIT } from './exitCodes.js';
import type { CommandIo } from './io.js';
import { COMMANDS, failure, run } from './run.js';

function main(): void {
  const name = process.argv[2] ?? '';
  const prefix = `mqtt-lifeline${name in COMMANDS ? ` ${name}` : ''}`;
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  const io: CommandIo = {
    out: (text) => process.stdout.write(text),
    err: (line) => process.stderr.write(`${prefix}: ${line}\n`),
    stdin: process.stdin,
    stdinFd: 0,
    env: process.env,
    isTTY: process.stdout.isTTY === true,
    columns: process.stdout.columns ?? 100,
    stopped,
  };
  // The library's retry timers do not hold a process open (an idle app may exit); the tool must
  // stay until its command is done, so it holds one handle of its own until then.
  const keepAlive = setInterval(() => {}, 1 << 30);
  // A reader that went away (`| head -1`) ends the output, not the process with a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT.ok);
    throw error;
  });
  const exit = (exitCode: number) => {
    clearInterval(keepAlive);
    // Let stdout drain (a pipe to a slow reader), then leave: stdin or a timer must not keep us.
    process.stdout.write('', () => process.exit(exitCode));
  };
  run(process.argv.slice(2), io).then(exit, (error: unknown) => {
    const { code, message, exitCode } = failure(error);
    io.err(`${code}: ${message}`);
    exit(exitCode);
  });
}

main();
