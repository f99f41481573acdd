/**
 * The command-line tool's exit codes and its one error type (spec R94). A shell script can rely on
 * the code; stderr carries one line `mqtt-lifeline <command>: <CODE>: <message>`.
 *
 * @module
 */

/** Exit codes of `mqtt-lifeline`, stable across versions. */
export const EXIT = {
  /** Everything asked for was done. */
  ok: 0,
  /** An operation failed: a publish was refused or dropped, a subscription refused, a file unreadable. */
  failed: 1,
  /** Bad command line: unknown command or option, missing or invalid value. */
  usage: 2,
  /** No connection: every allowed attempt failed (unreachable, timed out, closed). */
  unreachable: 3,
  /** The broker refused the connection: CONNACK return code 1-5 (e.g. 4 bad user name or password, 5 not authorised). */
  refused: 4,
  /** `replay --check`: the journal does not replay to the states it recorded. */
  mismatch: 5,
  /** Stopped by SIGINT or SIGTERM before the first connection (after it, stopping is a clean exit 0). */
  interrupted: 130,
} as const;

/** One of {@link EXIT}'s values. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the tool reports on stderr and exits with. */
export class CliError extends Error {
  /** The exit code. */
  readonly exitCode: ExitCode;
  /** The stable code shown on stderr (an `MqttErrorCode`, or `USAGE`, `IO`, `MISMATCH`). */
  readonly code: string;
  constructor(exitCode: ExitCode, code: string, message: string) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.code = code;
  }
}

/** A usage error (exit 2). */
export const usage = (message: string): CliError => new CliError(EXIT.usage, 'USAGE', message);
