/**
 * `mqtt-lifeline watch`: the connection live, from the client's lifecycle events and the
 * statechart's snapshots. A redrawn screen on a terminal; a plain line log otherwise (spec R95).
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { CONNECTION_HELP, CONNECTION_OPTIONS, createClient, integer, saveJournal } from './connection.js';
import { EXIT, usage } from './exitCodes.js';
import type { CommandIo } from './io.js';
import { stateName } from './stateName.js';
import { applyEvent, createView, eventFields, renderView } from './watchView.js';

/** `watch --help`. */
export const WATCH_HELP = `Usage: mqtt-lifeline watch [options]

Connects and shows the connection as it lives: state, server, attempt, the next retry's
countdown and the last events. Keeps retrying and failing over until stopped (Ctrl-C, exit 0).
On a terminal the screen is redrawn; otherwise (a pipe, a file) one line per event:
  <ISO time> <event> key=value ...     e.g. 2026-01-01T00:00:00.000Z backoff server=mqtt delayMs=1873 ...
  <ISO time> state <statechart state>

  --ui auto|live|lines     live screen or line log (default auto: live on a terminal)

${CONNECTION_HELP}`;

const OPTIONS = { ...CONNECTION_OPTIONS, ui: { type: 'string' } } as const;

/** How often the live screen redraws while a countdown runs. */
const REDRAW_MS = 200;

/** Runs `watch`; resolves with the exit code once stopped. */
export async function watch(args: readonly string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: OPTIONS, strict: true, allowPositionals: false });
  if (values.help === true) {
    io.out(`${WATCH_HELP}\n`);
    return EXIT.ok;
  }
  const ui = values.ui ?? 'auto';
  if (ui !== 'auto' && ui !== 'live' && ui !== 'lines')
    throw usage(`--ui must be auto, live or lines, got ${ui}`);
  const live = ui === 'live' || (ui === 'auto' && io.isTTY);
  const client = createClient(values, io.env, io.err);
  const attempts = integer('attempts', values.attempts, 0, 1_000_000) ?? 0;
  const view = createView(
    client.lifecycle.servers.map((s) => ({
      name: s.name ?? '?',
      // Scheme, host and port only: the URL as given may carry a password.
      address: `${s.protocol ?? 'mqtt'}://${s.host}:${s.port ?? 1883}`,
    })),
  );
  const now = () => performance.now();
  const iso = () => new Date().toISOString();
  let drawn = 0;
  const draw = () => {
    const lines = renderView(view, now(), io.columns);
    // Back to the top of the previous frame, clear below, draw.
    io.out(`${drawn > 0 ? `\x1b[${drawn}F` : ''}\x1b[J${lines.join('\n')}\n`);
    drawn = lines.length;
  };
  let failures = 0;
  const gaveUp = new Promise<void>((resolve) => {
    client.onEvent((event) => {
      if (!applyEvent(view, event, now())) return;
      if (live) draw();
      else io.out(`${iso()} ${event.type} ${eventFields(event)}`.trimEnd().concat('\n'));
      if (event.type === 'connected') failures = -Infinity;
      if (event.type === 'connect.error' && attempts > 0 && ++failures >= attempts) resolve();
    });
  });
  client.lifecycle.subscribeSnapshots((snapshot) => {
    const detail = stateName(snapshot.value);
    if (detail === view.detail) return;
    view.detail = detail;
    view.state = client.state;
    if (live) draw();
    else io.out(`${iso()} state ${detail}\n`);
  });
  const timer = live ? setInterval(() => view.retryAt !== null && draw(), REDRAW_MS) : undefined;
  if (live) draw();
  client.connect();
  const outcome = await Promise.race([
    io.stopped.then(() => 'stopped' as const),
    gaveUp.then(() => 'gave-up' as const),
  ]);
  if (timer !== undefined) clearInterval(timer);
  await client.disconnect();
  if (live) draw();
  saveJournal(client, values);
  if (outcome === 'gave-up') {
    io.err(`UNREACHABLE: gave up after ${failures} failed attempts`);
    return EXIT.unreachable;
  }
  return EXIT.ok;
}
