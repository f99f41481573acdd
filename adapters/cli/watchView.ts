/**
 * What `watch` shows, as pure functions of the events seen so far and the time, so the live
 * screen and the line log are tested without a terminal (spec R95).
 *
 * @module
 */
import type { ClientEvent } from '../../index.js';

/** The live view of one connection. */
export interface WatchView {
  /** Configured servers: name and address. */
  readonly servers: readonly { readonly name: string; readonly address: string }[];
  /** The coarse state (`idle`, `connecting`, `connected`, `backoff`, `stopped`). */
  state: string;
  /** The statechart's full state name. */
  detail: string;
  /** Index of the server of the current attempt, connection or pending retry. */
  server: number;
  /** Attempts since connect() was called. */
  attempt: number;
  /** When the pending retry fires, on the view's clock; null when none is pending. */
  retryAt: number | null;
  /** The pending retry's nominal delay and whether it failed over. */
  retry: { readonly nominalMs: number; readonly delayMs: number; readonly switched: boolean } | null;
  /** When the session came up; null when not connected. */
  connectedAt: number | null;
  /** The most recent events, newest last, as short texts with their time. */
  readonly events: { readonly at: number; readonly text: string }[];
}

/** How many events the live screen keeps. */
export const RECENT_EVENTS = 8;

/** A fresh view. */
export function createView(servers: WatchView['servers']): WatchView {
  return {
    servers,
    state: 'idle',
    detail: 'idle',
    server: 0,
    attempt: 0,
    retryAt: null,
    retry: null,
    connectedAt: null,
    events: [],
  };
}

/** The `key=value` fields of a lifecycle event, for the line log and the live list. */
export function eventFields(event: ClientEvent): string | undefined {
  switch (event.type) {
    case 'connecting':
      return `server=${event.server} attempt=${event.attempt}`;
    case 'connect.error':
      return `server=${event.server} code=${event.error.code}${reasonOf(event.error)} message=${JSON.stringify(event.error.message)}`;
    case 'connected':
      return `server=${event.server} sessionPresent=${event.sessionPresent}`;
    case 'disconnected':
      return `server=${event.server} code=${event.error?.code ?? 'USER'}${event.error === null ? '' : reasonOf(event.error)}${event.error?.code === 'SERVER_DISCONNECT' ? ` message=${JSON.stringify(event.error.message)}` : ''}`;
    case 'backoff':
      return `server=${event.server} delayMs=${Math.round(event.delayMs)} nominalMs=${event.nominalMs} switched=${event.switched}`;
    case 'ready':
      return `server=${event.server}`;
    case 'stopped':
      return '';
    case 'protocol.error':
      return `code=${event.code} message=${JSON.stringify(event.message)}`;
    default:
      // Session events (messages, acks) are not the connection's story.
      return undefined;
  }
}

/**
 * An MQTT 5 reason code as watch shows it (spec R303): ` reasonCode=0x9C` for a CONNACK refusal
 * (its `returnCode`) or a broker's DISCONNECT (its `reasonCode`); nothing for MQTT 3.1.1 errors.
 */
function reasonOf(error: {
  readonly code: string;
  readonly returnCode?: number;
  readonly reasonCode?: number;
}): string {
  const code =
    error.code === 'CONNACK_REFUSED' && error.returnCode !== undefined && error.returnCode >= 0x80
      ? error.returnCode
      : error.reasonCode;
  return code === undefined ? '' : ` reasonCode=0x${code.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** Updates `view` with an event seen at `now`; returns whether the event belongs to the view. */
export function applyEvent(view: WatchView, event: ClientEvent, now: number): boolean {
  const fields = eventFields(event);
  if (fields === undefined) return false;
  if ('serverIndex' in event) view.server = event.serverIndex;
  switch (event.type) {
    case 'connecting':
      view.attempt = event.attempt;
      view.retryAt = null;
      view.retry = null;
      break;
    case 'backoff':
      view.retryAt = now + event.delayMs;
      view.retry = { nominalMs: event.nominalMs, delayMs: event.delayMs, switched: event.switched };
      break;
    case 'connected':
      view.connectedAt = now;
      break;
    case 'disconnected':
    case 'stopped':
      view.connectedAt = null;
      view.retryAt = null;
      break;
    default:
      break;
  }
  view.events.push({ at: now, text: `${event.type} ${fields}`.trim() });
  if (view.events.length > RECENT_EVENTS) view.events.shift();
  return true;
}

const seconds = (ms: number): string => `${(Math.max(0, ms) / 1000).toFixed(1)} s`;

/** The live screen at `now`: lines without newlines, each cut to `columns`. */
export function renderView(view: WatchView, now: number, columns: number): string[] {
  const server = view.servers[view.server];
  const lines = [
    `mqtt-lifeline watch   ${view.servers.map((s) => `${s.name} ${s.address}`).join(', ')}   (Ctrl-C stops)`,
    '',
    `state     ${view.state}   (${view.detail})`,
    `server    ${server === undefined ? '-' : `${server.name} (${server.address})`}`,
    `attempt   ${view.attempt}`,
    `retry     ${
      view.retryAt === null || view.retry === null
        ? '-'
        : `in ${seconds(view.retryAt - now)} (delay ${seconds(view.retry.delayMs)}, nominal ${seconds(view.retry.nominalMs)}${view.retry.switched ? ', failed over' : ''})`
    }`,
    `up for    ${view.connectedAt === null ? '-' : seconds(now - view.connectedAt)}`,
    '',
    'last events',
    ...view.events.map((e) => `  -${seconds(now - e.at).padStart(8)}  ${e.text}`),
  ];
  return lines.map((line) => (line.length > columns ? `${line.slice(0, columns - 1)}~` : line));
}
