/**
 * The connection statechart's context, helpers, actions, guards and delays (docs/spec.md): the
 * `setup()` half of the machine, kept apart from its states (machines/connection.ts) so that each
 * reads in one sitting. Pure, like the machine.
 */
import { assign, emit, setup } from 'xstate';
import { ConnackError, type ErrorData, TimeoutError, TransportError } from '../errors.js';
import { jittered, nextEnabledServer, nextRetry, type ServerTiming } from './backoff.js';
import type { ConnectionEvent, ConnectionInput, LifecycleEvent, LifecycleOptions } from './events.js';
import {
  AUTH_CONTINUE,
  AUTH_REFUSALS,
  connackDecision,
  MAX_REDIRECTS,
  redirectRing,
  SERVER_MOVED,
  v5Decision,
  v5Error,
} from './v5.js';

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
  readonly options: LifecycleOptions;
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

const serverName = (context: ConnectionContext): string => context.servers[context.current]?.name ?? '?';

/** The connection's keep alive: the broker's Server Keep Alive (R269), the server's own, else the client-wide one. */
const keepAliveMs = (c: ConnectionContext): number =>
  c.serverKeepAliveMs ?? c.servers[c.current]?.keepAliveMs ?? c.options.keepAliveMs;
const pingTimeoutMs = (c: ConnectionContext): number =>
  c.servers[c.current]?.pingTimeoutMs ?? c.options.pingTimeoutMs;

/** The first enabled server of a ring (index 0 when none is). */
export const firstEnabled = (servers: readonly ServerTiming[]): number =>
  Math.max(
    0,
    servers.findIndex((s) => s.enabled),
  );

// Failures are built as the library's typed errors and kept as their plain data (JSON-safe, for
// the journal and events); the API edge turns the data back into the error (`errorFromData`).
const errorOf = (event: ConnectionEvent): ErrorData => {
  switch (event.type) {
    case 'transport.error':
    case 'mqtt.error':
      return event.error;
    case 'transport.closed':
      return new TransportError('the connection was closed', { code: 'TRANSPORT_CLOSED' }).toData();
    case 'mqtt.connack':
      return new ConnackError(event.returnCode).toData();
    case 'mqtt5.connack':
    case 'mqtt5.disconnect':
      return v5Error(event) as ErrorData;
    default:
      // Only the named timeouts reach here, and they use recordTimeout.
      return new TransportError(`unexpected ${event.type}`).toData();
  }
};

/** 3.1.1 return code 3, "server unavailable": the broker saying "later" (spec R81). */
const SERVER_UNAVAILABLE = 3;

/**
 * Return codes that will not heal by retrying with the same CONNECT: every 3.1.1 refusal but 3
 * (spec R81); for MQTT 5, the one table of R242 and R260 (`v5.ts`'s `connackDecision`).
 */
const finalRefusal = (event: ConnectionEvent): boolean =>
  (event.type === 'mqtt.connack' && event.returnCode !== 0 && event.returnCode !== SERVER_UNAVAILABLE) ||
  (event.type === 'mqtt5.connack' && connackDecision(event.reasonCode, event.serverReference) === 'refuse');

/** The ring server of the schedule: the one a 0x9C detour left, else the current one (R266). */
const home = (c: ConnectionContext): number => c.returnTo ?? c.current;

/** The schedule step shared by every path into backoff (spec R10-R13); it ends any 0x9C detour (R266). */
const advance = (context: ConnectionContext) => {
  const next = nextRetry(context.servers, { current: home(context), t: context.t });
  return {
    current: next.current,
    t: next.t,
    nominalMs: next.nominalMs,
    switched: next.switched,
    returnTo: null,
  };
};

const timeoutError = (code: 'CONNECT_TIMEOUT' | 'PING_TIMEOUT', ms: number): ErrorData =>
  new TimeoutError(
    code,
    code === 'CONNECT_TIMEOUT' ? `no CONNACK within ${ms} ms` : `no PINGRESP within ${ms} ms`,
  ).toData();

/** The typed `setup()` of the connection statechart: its actions, guards and delays by name. */
export const connectionSetup = setup({
  types: {
    context: {} as ConnectionContext,
    events: {} as ConnectionEvent,
    input: {} as ConnectionInput,
    emitted: {} as LifecycleEvent,
  },
  actions: {
    /**
     * Open a transport to `server` (an index into the ring), named `name`: beyond the configured
     * servers, the label of a referenced one, which the runtime maps to its address (R246).
     */
    openTransport: (_, _params: { server: number; name: string }) => {},
    /** Close the transport (flushing what was written). */
    closeTransport: () => {},
    /** Write CONNECT for `server`, after running the connect hook. */
    sendConnect: (_, _params: { server: number }) => {},
    /** Write PINGREQ. */
    sendPingreq: () => {},
    /** Write DISCONNECT (before a user-intended close). */
    sendDisconnect: () => {},
    /** Draw a uniform number in [0, 1) and send it back as `random.drawn`. */
    drawRandom: () => {},
    /** Tell the session layer that the MQTT session is up (it resubscribes and replays). */
    sessionUp: (_, _params: { sessionPresent: boolean }) => {},
    /** Tell the session layer that the MQTT session is gone. */
    sessionDown: () => {},
    /** Answer the broker's AUTH 0x18 with the method's next step, in AUTH 0x18 (R310-R311). */
    answerAuth: () => {},
    /** Start a re-authentication: AUTH 0x19 with the method's first data (R313). */
    sendReauth: () => {},
    countAuthStep: assign({ authSteps: ({ context }) => context.authSteps + 1 }),
    resetAuth: assign({ authSteps: 0 }),
    countAttempt: assign({ attempt: ({ context }) => context.attempt + 1 }),
    resetSchedule: assign({ t: 0 }),
    restart: assign({
      t: 0,
      attempt: 0,
      current: ({ context }) => firstEnabled(context.servers),
      returnTo: null,
      moves: 0,
    }),
    /** R269, R270: what an accepting CONNACK says about this connection. */
    adoptConnack: assign(({ context, event }) => ({
      serverKeepAliveMs: event.type === 'mqtt5.connack' ? (event.serverKeepAliveMs ?? null) : null,
      assignedClientId:
        (event.type === 'mqtt5.connack' ? event.assignedClientId : undefined) ?? context.assignedClientId,
    })),
    /** R265-R267: the next attempt goes to the referenced server (runs after the error events). */
    redirect: assign(({ context, event }) =>
      event.type === 'mqtt5.connack' || event.type === 'mqtt5.disconnect'
        ? {
            ...redirectRing(context, event.serverReference ?? [], event.reasonCode === SERVER_MOVED),
            moves: context.moves + 1,
          }
        : context,
    ),
    /** R264: the next enabled server at once, on a fresh schedule. */
    failOver: assign(({ context }) => ({
      current: nextEnabledServer(context.servers, home(context)),
      returnTo: null,
      t: 0,
      moves: context.moves + 1,
    })),
    /** R263: the wait is at least the server's max (t = max/2 doubles to max, keeping R13's switch). */
    busyBackoff: assign({
      t: ({ context }) => Math.max(context.t, (context.servers[home(context)]?.maxMs ?? 0) / 2),
    }),
    clearMoves: assign({ moves: 0 }),
    recordFailure: assign({ lastError: ({ event }) => errorOf(event) }),
    recordTimeout: assign({
      lastError: ({ context }, params: { code: 'CONNECT_TIMEOUT' | 'PING_TIMEOUT' }) =>
        timeoutError(
          params.code,
          params.code === 'CONNECT_TIMEOUT' ? context.options.connectTimeoutMs : pingTimeoutMs(context),
        ),
    }),
    // Runs after the error events, so they name the server that failed, not the next one.
    advanceSchedule: assign(({ context }) => advance(context)),
    applyJitter: assign({
      delayMs: ({ context, event }) =>
        event.type === 'random.drawn'
          ? jittered(context.nominalMs, context.options.jitter, event.value)
          : context.nominalMs,
    }),
    applyConfig: assign(({ event, context }) =>
      event.type === 'client.configure'
        ? {
            servers: event.servers,
            options: event.options,
            current: firstEnabled(event.servers),
            t: 0,
            attempt: 0,
            returnTo: null,
            moves: 0,
            assignedClientId: null,
          }
        : context,
    ),
    emitConnecting: emit(({ context }) => ({
      type: 'connecting' as const,
      server: serverName(context),
      serverIndex: context.current,
      attempt: context.attempt,
    })),
    emitConnectError: emit(({ context }) => ({
      type: 'connect.error' as const,
      server: serverName(context),
      serverIndex: context.current,
      error: context.lastError ?? new TransportError('unknown').toData(),
    })),
    emitConnected: emit(({ context, event }) => ({
      type: 'connected' as const,
      server: serverName(context),
      serverIndex: context.current,
      sessionPresent:
        (event.type === 'mqtt.connack' || event.type === 'mqtt5.connack') && event.sessionPresent,
    })),
    emitDisconnected: emit(({ context }, params: { byUser: boolean }) => ({
      type: 'disconnected' as const,
      server: serverName(context),
      serverIndex: context.current,
      error: params.byUser ? null : context.lastError,
    })),
    emitBackoff: emit(({ context }) => ({
      type: 'backoff' as const,
      server: serverName(context),
      serverIndex: context.current,
      nominalMs: context.nominalMs,
      delayMs: context.delayMs,
      switched: context.switched,
    })),
    emitReady: emit(({ context }) => ({ type: 'ready' as const, server: serverName(context) })),
    emitStopped: emit(({ context }) => ({ type: 'stopped' as const, error: context.lastError })),
    clearError: assign({ lastError: null }),
  },
  guards: {
    accepted: ({ event }) =>
      (event.type === 'mqtt.connack' && event.returnCode === 0) ||
      (event.type === 'mqtt5.connack' && event.reasonCode === 0),
    // Named per decision (not one guard with params) so the diagram says which rule a transition is.
    /** R262: 0x8E, another client took the session over. */
    takenOver: ({ event }) => v5Decision(event) === 'takeover',
    /** R263: the broker is busy or over quota. */
    busy: ({ event }) => v5Decision(event) === 'backoff',
    /** R264, R268: 0x8B, and the loop bound allows an immediate move. */
    failsOver: ({ context, event }) => v5Decision(event) === 'failover' && context.moves < MAX_REDIRECTS,
    /** R265, R268: 0x9C / 0x9D with a Server Reference, and the loop bound allows an immediate move. */
    redirected: ({ context, event }) => v5Decision(event) === 'redirect' && context.moves < MAX_REDIRECTS,
    stopsOnRefusal: ({ context, event }) => context.options.onRefused === 'stop' && finalRefusal(event),
    /** R310: a broker AUTH 0x18, Continue authentication. */
    authContinues: ({ event }) => event.type === 'mqtt5.auth' && event.reasonCode === AUTH_CONTINUE,
    /** R314: a broker AUTH 0x00, Success: the re-authentication is done. */
    authSucceeded: ({ event }) => event.type === 'mqtt5.auth' && event.reasonCode === 0,
    /** R315: a DISCONNECT refusing the authentication, under `onRefused: 'stop'`. */
    authRefusedStops: ({ context, event }) =>
      context.options.onRefused === 'stop' &&
      event.type === 'mqtt5.disconnect' &&
      AUTH_REFUSALS.has(event.reasonCode),
    resetsOnConnack: ({ context }) => context.options.reset === 'connack',
    hasConnectTimeout: ({ context }) => context.options.connectTimeoutMs > 0,
    hasPingTimeout: ({ context }) => pingTimeoutMs(context) > 0,
    keepAliveEnabled: ({ context }) => keepAliveMs(context) > 0,
  },
  delays: {
    retryDelay: ({ context }) => context.delayMs,
    connectTimeout: ({ context }) => context.options.connectTimeoutMs,
    keepAlive: ({ context }) => keepAliveMs(context),
    pingTimeout: ({ context }) => pingTimeoutMs(context) || keepAliveMs(context),
    stableConnection: ({ context }) => context.options.stableConnectionMs,
  },
});
