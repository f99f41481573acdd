/**
 * `mqtt-lifeline replay <journal.jsonl>`: the recorded run, step by step, with its states and
 * delays; `--check` verifies that the journal replays to the states it recorded (spec R96).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  checkReplay,
  fromJsonLines,
  type Journal,
  type JournalEntry,
  type ReplayStep,
} from '../../machines/journal.js';
import { CliError, EXIT, usage } from './exitCodes.js';
import type { CommandIo } from './io.js';
import { stateName } from './stateName.js';

/** `replay --help`. */
export const REPLAY_HELP = `Usage: mqtt-lifeline replay JOURNAL.jsonl [--check] [--json]

Replays a journal (written by --journal, or by a client created with journal: true) through the
pure statechart and prints each step: time since the start and since the previous step, the input
event, the state it led to, and the attempt, server and retry delay in force.

  --check     verify that every step replays to the state the live run recorded; exit 5 at the
              first difference, naming it
  --json      one JSON object per step instead of the table
  --help      this text`;

const OPTIONS = {
  check: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

/** What an event says beyond its type, for the table. */
function eventDetail(entry: JournalEntry): string {
  const event = entry.event as { type: string; [key: string]: unknown };
  if ('error' in event) return ` ${(event.error as { code: string }).code}`;
  if (event.type === 'mqtt.connack') return ` rc=${String(event.returnCode)}`;
  if (event.type === 'random.drawn') return ` ${Number(event.value).toFixed(3)}`;
  return '';
}

/** One table row. */
export function stepLine(
  journal: Journal,
  entry: JournalEntry,
  step: ReplayStep,
  previousAt: number,
): string {
  const start = journal.entries[0]?.at ?? 0;
  const c = step.context;
  const server = journal.header.input.servers[c.current]?.name ?? '?';
  const state = stateName(step.value);
  const retry =
    state === 'backoff.waiting' ? ` retry in ${Math.round(c.delayMs)} ms (nominal ${c.nominalMs})` : '';
  return (
    `#${String(entry.seq).padEnd(4)} +${(entry.at - start).toFixed(0).padStart(7)} ms (+${(entry.at - previousAt).toFixed(0).padStart(6)})  ` +
    `${(entry.event.type + eventDetail(entry)).padEnd(34)} -> ${state.padEnd(38)} attempt ${c.attempt} on ${server}${retry}`
  );
}

function load(file: string): Journal {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(EXIT.failed, 'IO', `cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return fromJsonLines(text);
  } catch (error) {
    throw new CliError(EXIT.failed, 'INVALID_JOURNAL', `${file}: ${(error as Error).message}`);
  }
}

/** Runs `replay`; resolves with the exit code. */
export async function replayCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: OPTIONS,
    strict: true,
    allowPositionals: true,
  });
  if (values.help === true) {
    io.out(`${REPLAY_HELP}\n`);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw usage('give exactly one journal file');
  const file = positionals[0] as string;
  const journal = load(file);
  let result: ReturnType<typeof checkReplay>;
  try {
    result = checkReplay(journal);
  } catch (error) {
    throw new CliError(EXIT.mismatch, 'INVALID_JOURNAL', `${file}: ${(error as Error).message}`);
  }
  const { steps, checked, mismatch } = result;
  if (!values.json) {
    const servers = journal.header.input.servers.map((s) => `${s.name} (retry ${s.minMs}-${s.maxMs} ms)`);
    io.out(
      `journal ${file}: ${journal.entries.length} steps, machine version ${journal.header.machineVersion}, servers ${servers.join(', ')}\n`,
    );
  }
  let previousAt = journal.entries[0]?.at ?? 0;
  for (let i = 0; i < steps.length; i++) {
    const entry = journal.entries[i] as JournalEntry;
    const step = steps[i] as ReplayStep;
    if (values.json) {
      const c = step.context;
      io.out(
        `${JSON.stringify({ seq: entry.seq, at: entry.at, event: entry.event, state: step.value, attempt: c.attempt, server: c.current, delayMs: c.delayMs })}\n`,
      );
    } else io.out(`${stepLine(journal, entry, step, previousAt)}\n`);
    previousAt = entry.at;
    if (values.check && mismatch?.seq === entry.seq) break;
  }
  if (!values.check) return EXIT.ok;
  if (mismatch !== null) {
    throw new CliError(
      EXIT.mismatch,
      'MISMATCH',
      `step ${mismatch.seq} (${mismatch.event}) recorded ${stateName(mismatch.recorded)} but replays to ${stateName(mismatch.replayed)}`,
    );
  }
  if (checked === 0 && steps.length > 0) {
    throw new CliError(EXIT.mismatch, 'MISMATCH', `${file} records no states to check against`);
  }
  if (!values.json) io.out(`check: ok, all ${checked} steps replay to the recorded states\n`);
  return EXIT.ok;
}
