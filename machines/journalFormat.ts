/**
 * The event journal's format: every input of the statechart, in order, with the clock's time, and
 * its JSON-lines form. No xstate import, so a client that records its journal does not carry the
 * machine's interpreter; `replay()` lives in journal.ts (spec R40-R44).
 *
 * @module
 */
import { ConfigError } from '../errors.js';
import { MACHINE_VERSION } from './chart.js';
import type { ConnectionEvent, ConnectionInput } from './events.js';
import type { ConnectionContext } from './implementations.js';

/** A state value: an atomic state's name, or the active children of a compound or parallel state. */
export type StateValue = string | { readonly [key: string]: StateValue | undefined };

/** Format identifier of the journal's header line. */
export const JOURNAL_FORMAT = 'mqtt-lifeline/journal';
/** Version of the journal format itself. */
export const JOURNAL_VERSION = 1;

/**
 * A recorded input: a {@link ConnectionEvent}, or a timer firing (`xstate.after.<delay>.<state>`),
 * which is an input too since time comes from outside.
 */
export type JournalEvent = ConnectionEvent | { readonly type: `xstate.after.${string}` };

/** One recorded input. */
export interface JournalEntry {
  /** 1-based position in the journal. */
  readonly seq: number;
  /** The injected clock's `now()` when the event was processed. */
  readonly at: number;
  /** The event. */
  readonly event: JournalEvent;
  /**
   * The state value the live run reached with this event, as recorded by the runtime; what
   * {@link checkReplay} compares (spec R96). Absent in journals written by hand.
   */
  readonly state?: StateValue;
}

/** The first line of a journal: what the machine was created with. */
export interface JournalHeader {
  readonly format: typeof JOURNAL_FORMAT;
  readonly version: number;
  readonly machineVersion: number;
  readonly input: ConnectionInput;
}

/** A whole journal. */
export interface Journal {
  readonly header: JournalHeader;
  readonly entries: readonly JournalEntry[];
}

/** One replayed step: the state value and context after an entry. */
export interface ReplayStep {
  readonly seq: number;
  readonly value: unknown;
  readonly context: ConnectionContext;
}

/** Makes a journal header for `input`. */
export function journalHeader(input: ConnectionInput): JournalHeader {
  return { format: JOURNAL_FORMAT, version: JOURNAL_VERSION, machineVersion: MACHINE_VERSION, input };
}

/** Serialises a journal as JSON lines: the header, then one entry per line. */
export function toJsonLines(journal: Journal): string {
  return `${[journal.header, ...journal.entries].map((line) => JSON.stringify(line)).join('\n')}\n`;
}

/** Parses JSON lines written by {@link toJsonLines}; a malformed line is a ConfigError naming its line number. */
export function fromJsonLines(text: string): Journal {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const parsed = lines.map((line, index) => {
    try {
      return JSON.parse(line) as unknown;
    } catch (cause) {
      throw new ConfigError(`journal line ${index + 1}`, 'not valid JSON', { cause });
    }
  });
  const [header, ...entries] = parsed;
  if (!isHeader(header)) throw new ConfigError('journal line 1', `not a ${JOURNAL_FORMAT} header`);
  if (header.version !== JOURNAL_VERSION) {
    throw new ConfigError('journal line 1', `journal format version ${header.version} is not supported`);
  }
  entries.forEach((entry, index) => {
    if (!isEntry(entry)) throw new ConfigError(`journal line ${index + 2}`, 'not a journal entry');
  });
  return { header, entries: entries as JournalEntry[] };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

function isHeader(value: unknown): value is JournalHeader {
  return (
    isRecord(value) &&
    value.format === JOURNAL_FORMAT &&
    typeof value.version === 'number' &&
    isRecord(value.input)
  );
}

function isEntry(value: unknown): value is JournalEntry {
  return (
    isRecord(value) &&
    typeof value.seq === 'number' &&
    typeof value.at === 'number' &&
    isRecord(value.event) &&
    typeof value.event.type === 'string'
  );
}
