/**
 * `mqtt-lifeline sub`: subscribes and prints each message, like mosquitto_sub, and stays
 * subscribed through reconnections and failovers (spec R94-R95).
 *
 * @module
 */
import { parseArgs } from 'node:util';
import type { Subscription } from 'rxjs';
import { type Message, type QoS, validateTopicFilter } from '../../index.js';
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

/** `sub --help`. */
export const SUB_HELP = `Usage: mqtt-lifeline sub -t FILTER [-t FILTER ...] [options]

Subscribes and prints every message, one per line, until stopped (Ctrl-C) or --count messages
arrived. Reconnects and fails over by itself; subscriptions are renewed on every connection.

Subscription:
  -t, --topic FILTER       topic filter, + and # wildcards (repeatable; required)
  -q, --qos 0|1|2          requested QoS (default 0)
  -C, --count N            exit after N messages
  -F, --format FORMAT      payload: the payload as is (default)
                           topic:   topic, a space, the payload (as mosquitto_sub -v)
                           json:    {"topic","qos","retain","payload"} per line; a payload that is
                                    not UTF-8 comes as "payloadBase64"; MQTT 5 adds "properties"
  -v, --verbose            same as --format topic
${propertyHelp('subscribe')}

${CONNECTION_HELP}`;

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  topic: { type: 'string', short: 't', multiple: true },
  qos: { type: 'string', short: 'q' },
  count: { type: 'string', short: 'C' },
  format: { type: 'string', short: 'F' },
  verbose: { type: 'boolean', short: 'v' },
} as const;

const FORMATS = ['payload', 'topic', 'json'] as const;
type Format = (typeof FORMATS)[number];

const NEWLINE = new Uint8Array([0x0a]);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** One message as output: bytes for `payload` and `topic`, a JSON line for `json`. */
export function formatMessage(message: Message, format: Format): Uint8Array | string {
  switch (format) {
    case 'payload':
      return concat(message.payload, NEWLINE);
    case 'topic':
      return concat(new TextEncoder().encode(`${message.topic} `), message.payload, NEWLINE);
    case 'json': {
      let text: string | undefined;
      try {
        text = utf8.decode(message.payload);
      } catch {
        text = undefined;
      }
      const body =
        text === undefined
          ? { payloadBase64: Buffer.from(message.payload).toString('base64') }
          : { payload: text };
      // MQTT 5 properties (R302): Correlation Data as base64, the rest as they came.
      const p = message.properties;
      const props =
        p === undefined
          ? {}
          : {
              properties: {
                ...p,
                ...(p.correlationData === undefined
                  ? {}
                  : { correlationData: Buffer.from(p.correlationData).toString('base64') }),
              },
            };
      return `${JSON.stringify({ topic: message.topic, qos: message.qos, retain: message.retain, ...body, ...props })}\n`;
    }
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

/** Runs `sub`; resolves with the exit code. */
export async function sub(args: readonly string[], io: CommandIo): Promise<number> {
  const taken = takeProperties(args, 'subscribe');
  const { values } = parseArgs({ args: taken.args, options: OPTIONS, strict: true, allowPositionals: false });
  const v5 = taken.properties.subscribe ?? {};
  if (values.help === true) {
    io.out(`${SUB_HELP}\n`);
    return EXIT.ok;
  }
  const filters = values.topic ?? [];
  if (filters.length === 0) throw usage('-t FILTER is required');
  for (const filter of filters) {
    try {
      validateTopicFilter(filter);
    } catch (error) {
      throw usage((error as Error).message);
    }
  }
  const format = values.verbose === true ? 'topic' : (values.format ?? 'payload');
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw usage(`--format must be one of ${FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
  }
  const qos = (integer('qos', values.qos, 0, 2) ?? 0) as QoS;
  const count = integer('count', values.count, 1, Number.MAX_SAFE_INTEGER);
  // One filter per SUBSCRIBE carries a Subscription Identifier (R296, R302).
  const client = createClient(
    values,
    io.env,
    io.err,
    v5.subscriptionIdentifier === undefined ? {} : { session: { maxFiltersPerSubscribe: 1 } },
  );
  const attempts = integer('attempts', values.attempts, 0, 1_000_000);
  const subscriptions: Subscription[] = [];
  let failure: CliError | undefined;
  try {
    await firstConnection(client, attempts, io.stopped);
    let received = 0;
    const done = new Promise<void>((resolve) => {
      // Session changes go to stderr, so stdout carries messages only.
      client.onEvent((event) => {
        if (event.type === 'disconnected' && event.error !== null)
          io.err(`connection to ${event.server} lost (${event.error.code}), reconnecting`);
        else if (event.type === 'connected') io.err(`connected to ${event.server}`);
      });
      for (const filter of filters) {
        subscriptions.push(
          client.subscribe(filter, { qos, ...v5 }).subscribe({
            next: (message) => {
              if (count !== undefined && received >= count) return;
              received += 1;
              io.out(formatMessage(message, format as Format));
              if (count !== undefined && received >= count) resolve();
            },
            error: (error: Error & { code?: string }) => {
              failure ??= new CliError(EXIT.failed, error.code ?? 'SUBSCRIBE_FAILED', error.message);
              resolve();
            },
          }),
        );
      }
      void io.stopped.then(resolve);
    });
    await done;
  } finally {
    for (const subscription of subscriptions) subscription.unsubscribe();
    await client.disconnect();
    saveJournal(client, values);
  }
  if (failure !== undefined) throw failure;
  return EXIT.ok;
}
