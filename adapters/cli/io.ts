/**
 * What a command touches of its process, passed in so the commands stay plain functions.
 *
 * @module
 */
import type { Readable } from 'node:stream';

/** A command's process surroundings. */
export interface CommandIo {
  /** Writes to stdout as is. */
  out(text: string | Uint8Array): void;
  /** Writes one line to stderr, prefixed with the tool's name. */
  err(line: string): void;
  /** Standard input. */
  readonly stdin: Readable;
  /** Its file descriptor, for reading it whole. */
  readonly stdinFd: number;
  /** Environment variables. */
  readonly env: NodeJS.ProcessEnv;
  /** Whether stdout is a terminal. */
  readonly isTTY: boolean;
  /** Terminal width in columns. */
  readonly columns: number;
  /** Resolves on SIGINT or SIGTERM: long-running commands stop cleanly then. */
  readonly stopped: Promise<void>;
}
