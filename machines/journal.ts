/**
 * Replaying the event journal (its format is journalFormat.ts): every input of the statechart, in
 * order, with the clock's time. A journal is the whole story of a connection: `replay()` rebuilds
 * exactly the same states through the pure
 * `transition()`, with no clock, socket or random source (spec R40-R44).
 */
import { type AnyEventObject, initialTransition, type StateValue, transition } from 'xstate';
import { ConfigError } from '../errors.js';
import { connectionMachine, MACHINE_VERSION } from './connection.js';
import type { ConnectionEvent } from './events.js';
import type { Journal, JournalEntry, ReplayStep } from './journalFormat.js';

export {
  fromJsonLines,
  JOURNAL_FORMAT,
  JOURNAL_VERSION,
  type Journal,
  type JournalEntry,
  type JournalEvent,
  type JournalHeader,
  journalHeader,
  type ReplayStep,
  toJsonLines,
} from './journalFormat.js';

/**
 * Machine versions whose journals this machine replays to the same states: version 3 only added
 * the MQTT 5 events (spec R271), which a version 2 journal cannot hold; version 4 only added
 * enhanced authentication (spec R317): its events are not in older journals, and its one new
 * region of `connected` (`auth`, `idle` until a re-authentication) is left out of the comparison
 * with states they recorded.
 */
export const REPLAYABLE_MACHINE_VERSIONS: readonly number[] = [2, 3, MACHINE_VERSION];

/** The first machine version with the connected `auth` region (R317). */
const AUTH_REGION_SINCE = 4;

/** `value` as a machine of `version` recorded it: without the `auth` region before version 4 (R317). */
function asRecordedBy(version: number, value: unknown): unknown {
  if (version >= AUTH_REGION_SINCE) return value;
  const online = (value as { online?: { connected?: Record<string, unknown> } }).online;
  if (online?.connected === undefined || typeof online.connected !== 'object') return value;
  const { auth: _auth, ...regions } = online.connected;
  return { ...(value as object), online: { ...online, connected: regions } };
}

/**
 * Folds the journal through the pure `transition()`: the states a live actor went through.
 * Throws ConfigError when the journal was written by a machine version not in
 * {@link REPLAYABLE_MACHINE_VERSIONS}.
 */
export function replay(journal: Journal): ReplayStep[] {
  if (!REPLAYABLE_MACHINE_VERSIONS.includes(journal.header.machineVersion)) {
    throw new ConfigError(
      'journal.machineVersion',
      `written by machine version ${journal.header.machineVersion}, this is version ${MACHINE_VERSION}`,
    );
  }
  let [snapshot] = initialTransition(connectionMachine, journal.header.input);
  const steps: ReplayStep[] = [];
  for (const entry of journal.entries) {
    // Timer events are not in the machine's event union; this boundary is the one place they are cast.
    [snapshot] = transition(connectionMachine, snapshot, entry.event as AnyEventObject as ConnectionEvent);
    steps.push({ seq: entry.seq, value: snapshot.value, context: snapshot.context });
  }
  return steps;
}

/** The first entry whose replayed state differs from the state it recorded. */
export interface ReplayMismatch {
  /** The entry's `seq`. */
  readonly seq: number;
  /** Its event type. */
  readonly event: string;
  /** The state the live run recorded. */
  readonly recorded: StateValue;
  /** The state the replay reached. */
  readonly replayed: unknown;
}

/**
 * Replays `journal` and compares every step with the state its entry recorded (spec R96).
 * @returns The steps, how many entries carried a recorded state, and the first mismatch (null if none).
 * @throws {@link ConfigError} as {@link replay} does.
 */
export function checkReplay(journal: Journal): {
  readonly steps: ReplayStep[];
  readonly checked: number;
  readonly mismatch: ReplayMismatch | null;
} {
  const steps = replay(journal);
  let checked = 0;
  for (let i = 0; i < steps.length; i++) {
    const entry = journal.entries[i] as JournalEntry;
    if (entry.state === undefined) continue;
    checked += 1;
    const replayed = asRecordedBy(journal.header.machineVersion, (steps[i] as ReplayStep).value);
    if (
      JSON.stringify(replayed) !== JSON.stringify(asRecordedBy(journal.header.machineVersion, entry.state))
    ) {
      return {
        steps,
        checked,
        mismatch: { seq: entry.seq, event: entry.event.type, recorded: entry.state, replayed },
      };
    }
  }
  return { steps, checked, mismatch: null };
}
