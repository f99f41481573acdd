/**
 * `mqtt-lifeline pub`: publishes a message from an argument, a file, or stdin (whole, or line by
 * line), like mosquitto_pub. Exits 0 once every publish completed its QoS flow (spec R94).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { type QoS, validateTopicName } from '../../index.js';
import {
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  createClient,
  firstConnection,
  integer,
  saveJournal,
} from './connection.js';
import { CliError, EXIT, usage } from './exitCodes.js';
import type { CommandIo } from './io.js';
import { propertyHelp, takeProperties } from './properties.js';

/** `pub --help`. */
export const PUB_HELP = `Usage: mqtt-lifeline pub -t TOPIC (-m MESSAGE | -f FILE | -l | -s | -n) [options]

Publishes, then disconnects once every message completed its QoS flow (QoS 0: written,
1: PUBACK, 2: PUBCOMP). QoS 1 and 2 messages published during an outage are queued and sent
after the reconnection.

Message:
  -t, --topic TOPIC        topic to publish to (required)
  -m, --message TEXT       the message
  -f, --file FILE          the whole file as one message
  -s, --stdin-file         the whole of stdin as one message
  -l, --stdin-line         each line of stdin as a message, published as it arrives
  -n, --null-message       an empty message
  -q, --qos 0|1|2          QoS (default 0)
  -r, --retain             set the RETAIN flag
  -C, --count N            publish the message N times (with -l: stop after N lines)
${propertyHelp('publish')}

${CONNECTION_HELP}`;

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  topic: { type: 'string', short: 't' },
  message: { type: 'string', short: 'm' },
  file: { type: 'string', short: 'f' },
  'stdin-file': { type: 'boolean', short: 's' },
  'stdin-line': { type: 'boolean', short: 'l' },
  'null-message': { type: 'boolean', short: 'n' },
  qos: { type: 'string', short: 'q' },
  retain: { type: 'boolean', short: 'r' },
  count: { type: 'string', short: 'C' },
} as const;

/** Where the messages come from. */
type Source = { readonly kind: 'fixed'; readonly payload: Uint8Array | string } | { readonly kind: 'lines' };

function sourceOf(
  values: {
    message?: string;
    file?: string;
    'stdin-file'?: boolean;
    'stdin-line'?: boolean;
    'null-message'?: boolean;
  },
  io: CommandIo,
): Source {
  const given = [
    values.message !== undefined,
    values.file !== undefined,
    values['stdin-file'] === true,
    values['stdin-line'] === true,
    values['null-message'] === true,
  ].filter(Boolean).length;
  if (given !== 1) throw usage('give exactly one of -m, -f, -s, -l, -n');
  if (values.message !== undefined) return { kind: 'fixed', payload: values.message };
  if (values['null-message'] === true) return { kind: 'fixed', payload: '' };
  if (values['stdin-line'] === true) return { kind: 'lines' };
  try {
    return { kind: 'fixed', payload: readFileSync(values.file ?? io.stdinFd) };
  } catch (error) {
    throw new CliError(
      EXIT.failed,
      'IO',
      `cannot read ${values.file ?? 'stdin'}: ${(error as Error).message}`,
    );
  }
}

/** Runs `pub`; resolves with the exit code. */
export async function pub(args: readonly string[], io: CommandIo): Promise<number> {
  const taken = takeProperties(args, 'publish');
  const { values } = parseArgs({ args: taken.args, options: OPTIONS, strict: true, allowPositionals: false });
  const properties = taken.properties.publish;
  if (values.help === true) {
    io.out(`${PUB_HELP}\n`);
    return EXIT.ok;
  }
  const topic = values.topic;
  if (topic === undefined) throw usage('-t TOPIC is required');
  try {
    validateTopicName(topic);
  } catch (error) {
    throw usage((error as Error).message);
  }
  const qos = (integer('qos', values.qos, 0, 2) ?? 0) as QoS;
  const count = integer('count', values.count, 1, Number.MAX_SAFE_INTEGER);
  const source = sourceOf(values, io);
  const client = createClient(values, io.env, io.err);
  const attempts = integer('attempts', values.attempts, 0, 1_000_000);
  const retain = values.retain === true;
  let failed: CliError | undefined;
  const publishes: Promise<void>[] = [];
  const send = (payload: Uint8Array | string) => {
    publishes.push(
      client
        .publish(topic, payload, properties === undefined ? { qos, retain } : { qos, retain, properties })
        .catch((error: unknown) => {
          failed ??= asFailure(error);
        }),
    );
  };
  try {
    await firstConnection(client, attempts, io.stopped);
    if (source.kind === 'fixed') for (let i = 0; i < (count ?? 1); i++) send(source.payload);
    else await eachLine(io, count, send);
    await Promise.all(publishes);
  } finally {
    await client.disconnect();
    saveJournal(client, values);
  }
  if (failed !== undefined) throw failed;
  return EXIT.ok;
}

/** A failed publish as the tool reports it (exit 1); a refused topic or size is the caller's. */
function asFailure(error: unknown): CliError {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') {
    // A bad topic or -D value (R301), or -D without MQTT 5, is the caller's.
    const exit =
      error.code === 'INVALID_TOPIC' || error.code === 'INVALID_ARGUMENT' ? EXIT.usage : EXIT.failed;
    return new CliError(exit, error.code, error.message);
  }
  return new CliError(EXIT.failed, 'PUBLISH_FAILED', String(error));
}

/** Calls `send` for each stdin line as it arrives, up to `count` lines. */
async function eachLine(
  io: CommandIo,
  count: number | undefined,
  send: (line: string) => void,
): Promise<void> {
  const lines = createInterface({ input: io.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  let sent = 0;
  for await (const line of lines) {
    send(line);
    sent += 1;
    if (count !== undefined && sent >= count) break;
  }
  lines.close();
}
