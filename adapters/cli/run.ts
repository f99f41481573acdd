/**
 * The command-line tool's dispatch (spec R94-R96): `pub`, `sub`, `watch`, `replay`, help and
 * version, and how a failure becomes a stderr line and an exit code.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError, EXIT, usage } from './exitCodes.js';
import type { CommandIo } from './io.js';
import { PUB_HELP, pub } from './pub.js';
import { REPLAY_HELP, replayCommand } from './replay.js';
import { SUB_HELP, sub } from './sub.js';
import { WATCH_HELP, watch } from './watch.js';

/** `mqtt-lifeline --help`. */
export const HELP = `Usage: mqtt-lifeline <command> [options]

An MQTT 3.1.1 client whose connection lifecycle is a statechart.

Commands:
  pub       publish a message (argument, file, stdin, or stdin line by line)
  sub       subscribe and print messages
  watch     show the connection live: state, server, attempt, retry countdown, events
  replay    replay a journal step by step; --check verifies it
  help CMD  the options of a command (also: mqtt-lifeline CMD --help)

Options: --help, --version

Exit codes:
  0  done              1  an operation failed (publish, subscription, file)
  2  bad command line  3  could not connect (every allowed attempt failed)
  4  the broker refused the connection (CONNACK return code, e.g. bad credentials)
  5  replay --check: the journal does not replay to its recorded states
  130  stopped (SIGINT/SIGTERM) before the first connection
Errors go to stderr as one line: mqtt-lifeline <command>: <CODE>: <message>

Tracing: -d on any connecting command, or NODE_DEBUG=mqtt-lifeline.
Credentials: $MQTT_LIFELINE_USERNAME, $MQTT_LIFELINE_PASSWORD (never printed).`;

export const COMMANDS: Record<
  string,
  { run: (args: readonly string[], io: CommandIo) => Promise<number>; help: string }
> = {
  pub: { run: pub, help: PUB_HELP },
  sub: { run: sub, help: SUB_HELP },
  watch: { run: watch, help: WATCH_HELP },
  replay: { run: replayCommand, help: REPLAY_HELP },
};

/** The package's version, from the package.json above this file (source or dist). */
function version(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'mqtt-lifeline') return pkg.version ?? '?';
    } catch {
      // Not here: look one level up.
    }
  }
  return '?';
}

/** Runs the tool with `argv` (without node and the script); resolves with the exit code. */
export async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-?') {
    io.out(`${HELP}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-V') {
    io.out(`${version()}\n`);
    return EXIT.ok;
  }
  if (name === 'help') {
    const topic = rest[0];
    io.out(`${topic === undefined ? HELP : (COMMANDS[topic]?.help ?? HELP)}\n`);
    return topic === undefined || topic in COMMANDS ? EXIT.ok : EXIT.usage;
  }
  const command = COMMANDS[name];
  if (command === undefined) throw usage(`unknown command ${JSON.stringify(name)} (pub, sub, watch, replay)`);
  return command.run(rest, io);
}

/** A failure as its stderr line and exit code; parseArgs' own errors are usage errors. */
export function failure(error: unknown): { code: string; message: string; exitCode: number } {
  if (error instanceof CliError)
    return { code: error.code, message: error.message, exitCode: error.exitCode };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    return { code: 'USAGE', message: (error as Error).message, exitCode: EXIT.usage };
  }
  return {
    code: 'INTERNAL',
    message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    exitCode: EXIT.failed,
  };
}
