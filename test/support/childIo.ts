/**
 * What the crash and soak children (crashPublisher, crashSubscriber, the soak's peer) share: their
 * JSON argument, line output written synchronously (a printed line is a fact even if the process is
 * SIGKILLed right after), the start signal, and their own wire check's report.
 *
 * @module
 */
import { writeSync } from 'node:fs';
import type { WireViolation } from './wireValidator.js';

/** The child's argument: the JSON its parent passed as `argv[2]`. */
export function childArgs<T>(): T {
  return JSON.parse(process.argv[2] ?? '{}') as T;
}

/** Prints one line to stdout at once (synchronous, so it survives a SIGKILL that follows). */
export function say(line: string): void {
  writeSync(1, `${line}\n`);
}

/**
 * Resolves on the first line on stdin: the parent starts the next process while the previous one
 * runs, and says `go` once it has killed it, so start-up time is not spent between kills.
 */
export async function waitForGo(): Promise<void> {
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  process.stdin.pause();
}

/** Prints a wire violation as the `WIRE ...` line the parent test fails on (spec R226). */
export function sayViolation(v: WireViolation): void {
  say(`WIRE [${v.kind}] connection ${v.connection}, packet ${v.packet}: ${v.message}`);
}
