/**
 * The connection statechart's context and its plain implementations (docs/spec.md): context
 * updates, emitted events, guards and delays as ordinary functions, with no xstate import, so that
 * the browser's chart step (runtime/chartStep.ts) runs the machine without xstate's interpreter.
 * machines/setup.ts wraps the same functions with xstate's `assign`, `emit` and `setup()` for the
 * real machine, so both run one definition. Pure, like the machine. These are the 3.1.1 base's
 * (spec R363): what only MQTT 5 events or `client.reauthenticate` reach, and the MQTT 5 branches of
 * the shared ones, are implementationsV5.ts's, so a chart step without the MQTT 5 profile carries
 * no v5.ts.
 *
 * @module
 */
import { ConnackError, type ErrorData, TimeoutError, TransportError } from '../errors.js';
import { jittered, nextRetry, type ServerTiming } from './backoff.js';
import type { ConnectionEvent, ConnectionInput, LifecycleEvent } from './events.js';

/** The statechart's context: JSON-safe, no credentials, no addresses. */
export interface ConnectionContext {
  /** The server ring (timing only). */
  readonly servers: readonly ServerTiming[];
  /** Index of the current server. */
  readonly current: number;
  /** Mongoose's `reconnect_timeout_ms`: the last nominal delay, 0 after a reset. */
  readonly t: number;
  /** Attempts since the user last asked to connect. */
  readonly attempt: number;
  /** Nominal delay of the pending retry, in ms. */
  readonly nominalMs: number;
  /** Jittered delay of the pending retry, in ms. */
  readonly delayMs: number;
  /** Whether the last failure switched servers. */
  readonly switched: boolean;
  /** Why the last attempt or session ended. */
  readonly lastError: ErrorData | null;
  /** Lifecycle options. */
  readonly options: ConnectionInput['options'];
  /** The ring server to come back to after a one-attempt 0x9C detour, else null (R266). */
  readonly returnTo: number | null;
  /** Consecutive immediate moves (redirects, 0x8B fail-overs) since the last stable session or user connect (R268). */
  readonly moves: number;
  /** The MQTT 5 Server Keep Alive of the current connection in ms, else null (R269). */
  readonly serverKeepAliveMs: number | null;
  /** The last Assigned Client Identifier, for the runtime's next CONNECT when it asks for a session (R270). */
  readonly assignedClientId: string | null;
  /** Broker AUTH 0x18 steps of the current authentication exchange (R312): the journal's count, never its data. */
  readonly authSteps: number;
}

/** A context update: the fields an action assigns (xstate's `assign` merges them into the context). */
export type ContextUpdate<P = undefined> = (
  context: ConnectionContext,
  event: ConnectionEvent,
  params?: P,
) => Partial<ConnectionContext>;

/** An emitted-event builder (xstate's `emit`). */
export type EventBuilder<P = undefined> = (
  context: ConnectionContext,
  event: ConnectionEvent,
  params?: P,
) => LifecycleEvent;

/** A guard. */
export type Guard = (context: ConnectionContext, event: ConnectionEvent) => boolean;

/** A named delay, in ms. */
export type Delay = (context: ConnectionContext) => number;

/** Types each member of a table as `T` (full arity), keeping the table's names. */
export const table =
  <T>() =>
  <K extends string>(members: { readonly [N in K]: T }): { readonly [N in K]: T } =>
    members;

/** The first enabled server of a ring (index 0 when none is). */
export const firstEnabled = (servers: readonly ServerTiming[]): number =>
  Math.max(
    0,
    servers.findIndex((s) => s.enabled),
  );

/** The context a machine starts with for `input`. */
export const initialContext = (input: ConnectionInput): ConnectionContext => ({
  servers: input.servers,
  current: firstEnabled(input.servers),
  t: 0,
  attempt: 0,
  nominalMs: 0,
  delayMs: 0,
  switched: false,
  lastError: null,
  options: input.options,
  returnTo: null,
  moves: 0,
  serverKeepAliveMs: null,
  assignedClientId: null,
  authSteps: 0,
});

const serverName = (context: ConnectionContext): string => context.servers[context.current]?.name ?? '?';

/** The connection's keep alive: the broker's Server Keep Alive (R269), the server's own, else the client-wide one. */
const keepAliveMs = (c: ConnectionContext): number =>
  c.serverKeepAliveMs ?? c.servers[c.current]?.keepAliveMs ?? c.options.keepAliveMs;
const pingTimeoutMs = (c: ConnectionContext): number =>
  c.servers[c.current]?.pingTimeoutMs ?? c.options.pingTimeoutMs;

// Failures are built as the library's typed errors and kept as their plain data (JSON-safe, for
// the journal and events); the API edge turns the data back into the error (`errorFromData`).
export const errorOf = (event: ConnectionEvent): ErrorData => {
  switch (event.type) {
    case 'transport.error':
    case 'mqtt.error':
      return event.error;
    case 'transport.closed':
      return new TransportError('the connection was closed', { code: 'TRANSPORT_CLOSED' }).toData();
    case 'mqtt.connack':
      return new ConnackError(event.returnCode).toData();
    default:
      // Only the named timeouts reach here, and they use recordTimeout.
      return new TransportError(`unexpected ${event.type}`).toData();
  }
};

/** The ring server of the schedule: the one a 0x9C detour left, else the current one (R266). */
export const home = (c: ConnectionContext): number => c.returnTo ?? c.current;

/** The params of `recordTimeout`. */
export interface TimeoutParams {
  readonly code: 'CONNECT_TIMEOUT' | 'PING_TIMEOUT';
}

/** The params of `emitDisconnected`. */
export interface DisconnectedParams {
  readonly byUser: boolean;
}

/** The 3.1.1 base's context updates by action name (xstate `assign`s in setup.ts). */
export const UPDATES = /* @__PURE__ */ table<ContextUpdate>()({
  resetAuth: () => ({ authSteps: 0 }),
  countAttempt: (c) => ({ attempt: c.attempt + 1 }),
  resetSchedule: () => ({ t: 0 }),
  restart: (c) => ({ t: 0, attempt: 0, current: firstEnabled(c.servers), returnTo: null, moves: 0 }),
  /** What an accepting CONNACK says about this connection: a 3.1.1 one, no Server Keep Alive (R269). */
  adoptConnack: (c) => ({ serverKeepAliveMs: null, assignedClientId: c.assignedClientId }),
  clearMoves: () => ({ moves: 0 }),
  recordFailure: (_, e) => ({ lastError: errorOf(e) }),
  // Runs after the error events, so they name the server that failed, not the next one. The
  // schedule step shared by every path into backoff (spec R10-R13); it ends any 0x9C detour (R266).
  advanceSchedule: (c) => ({ ...nextRetry(c.servers, { current: home(c), t: c.t }), returnTo: null }),
  applyJitter: (c, e) => ({
    delayMs: e.type === 'random.drawn' ? jittered(c.nominalMs, c.options.jitter, e.value) : c.nominalMs,
  }),
  applyConfig: (c, e) =>
    e.type === 'client.configure'
      ? {
          servers: e.servers,
          options: e.options,
          current: firstEnabled(e.servers),
          t: 0,
          attempt: 0,
          returnTo: null,
          moves: 0,
          assignedClientId: null,
        }
      : c,
  clearError: () => ({ lastError: null }),
});

/** `recordTimeout`: the one update with params. */
export const recordTimeout = (
  c: ConnectionContext,
  _: ConnectionEvent,
  { code }: TimeoutParams,
): Partial<ConnectionContext> => {
  const connect = code === 'CONNECT_TIMEOUT';
  const ms = connect ? c.options.connectTimeoutMs : pingTimeoutMs(c);
  return {
    lastError: new TimeoutError(code, `no ${connect ? 'CONNACK' : 'PINGRESP'} within ${ms} ms`).toData(),
  };
};

/** The machine's emitted events by action name (xstate `emit`s in setup.ts). */
export const EMITS = /* @__PURE__ */ table<EventBuilder>()({
  emitConnecting: (c) => ({
    type: 'connecting',
    server: serverName(c),
    serverIndex: c.current,
    attempt: c.attempt,
  }),
  emitConnectError: (c) => ({
    type: 'connect.error',
    server: serverName(c),
    serverIndex: c.current,
    error: c.lastError ?? new TransportError('unknown').toData(),
  }),
  emitConnected: (c, e) => ({
    type: 'connected',
    server: serverName(c),
    serverIndex: c.current,
    sessionPresent: (e.type === 'mqtt.connack' || e.type === 'mqtt5.connack') && e.sessionPresent,
  }),
  emitBackoff: (c) => ({
    type: 'backoff',
    server: serverName(c),
    serverIndex: c.current,
    nominalMs: c.nominalMs,
    delayMs: c.delayMs,
    switched: c.switched,
  }),
  emitReady: (c) => ({ type: 'ready', server: serverName(c) }),
  emitStopped: (c) => ({ type: 'stopped', error: c.lastError }),
});

/** `emitDisconnected`: the one emitted event with params. */
export const emitDisconnected = (
  c: ConnectionContext,
  _: ConnectionEvent,
  params: DisconnectedParams,
): LifecycleEvent => ({
  type: 'disconnected',
  server: serverName(c),
  serverIndex: c.current,
  error: params.byUser ? null : c.lastError,
});

/** The 3.1.1 base's guards by name. */
export const GUARDS = /* @__PURE__ */ table<Guard>()({
  accepted: (_, e) => e.type === 'mqtt.connack' && e.returnCode === 0,
  // Return codes that will not heal by retrying with the same CONNECT: every 3.1.1 refusal but 3,
  // "server unavailable", the broker saying "later" (spec R81); MQTT 5's are implementationsV5.ts's.
  stopsOnRefusal: (c, e) =>
    c.options.onRefused === 'stop' && e.type === 'mqtt.connack' && e.returnCode !== 0 && e.returnCode !== 3,
  resetsOnConnack: (c) => c.options.reset === 'connack',
  hasConnectTimeout: (c) => c.options.connectTimeoutMs > 0,
  hasPingTimeout: (c) => pingTimeoutMs(c) > 0,
  keepAliveEnabled: (c) => keepAliveMs(c) > 0,
});

/** The machine's named delays, in ms. */
export const DELAYS = /* @__PURE__ */ table<Delay>()({
  retryDelay: (c) => c.delayMs,
  connectTimeout: (c) => c.options.connectTimeoutMs,
  keepAlive: (c) => keepAliveMs(c),
  pingTimeout: (c) => pingTimeoutMs(c) || keepAliveMs(c),
  stableConnection: (c) => c.options.stableConnectionMs,
});

/**
 * The machine's effects: actions the statechart names and each runtime carries out (the drivers'
 * `EFFECTS` table); the machine itself does nothing for them.
 */
export const EFFECT_NAMES = [
  'openTransport',
  'closeTransport',
  'sendConnect',
  'sendPingreq',
  'sendDisconnect',
  'drawRandom',
  'sessionUp',
  'sessionDown',
  'answerAuth',
  'sendReauth',
] as const;
