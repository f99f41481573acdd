/**
 * The connection statechart (docs/spec.md). Pure: no sockets, no timers, no clock, no randomness.
 * Effects are named actions that each runtime supplies with `provide()`; time enters through the
 * named `after` delays (a runtime's clock fires them) and randomness through `random.drawn` events.
 */
import { assign, emit, setup } from 'xstate';
import { ConnackError, type ErrorData, TimeoutError, TransportError } from '../errors.js';
import { jittered, nextEnabledServer, nextRetry, type ServerTiming } from './backoff.js';
import type { ConnectionEvent, ConnectionInput, LifecycleEvent, LifecycleOptions } from './events.js';
import { connackDecision, MAX_REDIRECTS, redirectRing, SERVER_MOVED, v5Decision, v5Error } from './v5.js';

/**
 * Bumped whenever a change to the machine could make an old journal replay differently. Version 3
 * added the MQTT 5 events (R260-R271); a version 2 journal holds none of them and replays the same.
 */
export const MACHINE_VERSION = 3;

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
}

const serverName = (context: ConnectionContext): string => context.servers[context.current]?.name ?? '?';

/** The connection's keep alive: the broker's Server Keep Alive (R269), the server's own, else the client-wide one. */
const keepAliveMs = (c: ConnectionContext): number =>
  c.serverKeepAliveMs ?? c.servers[c.current]?.keepAliveMs ?? c.options.keepAliveMs;
const pingTimeoutMs = (c: ConnectionContext): number =>
  c.servers[c.current]?.pingTimeoutMs ?? c.options.pingTimeoutMs;

const firstEnabled = (servers: readonly ServerTiming[]): number =>
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

/**
 * Return codes that will not heal by retrying with the same CONNECT (spec R81): every refusal but
 * 3, "server unavailable", which is the broker saying "later".
 */
const finalRefusal = (event: ConnectionEvent): boolean =>
  (event.type === 'mqtt.connack' && event.returnCode !== 0 && event.returnCode !== 3) ||
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

/**
 * The connection lifecycle as an XState v5 machine. Provide the effect actions
 * (`openTransport`, `closeTransport`, `sendConnect`, `sendPingreq`, `sendDisconnect`,
 * `drawRandom`) per runtime with `connectionMachine.provide({ actions })`.
 */
export const connectionMachine = setup({
  types: {
    context: {} as ConnectionContext,
    events: {} as ConnectionEvent,
    input: {} as ConnectionInput,
    emitted: {} as LifecycleEvent,
  },
  actions: {
    /** Open a transport to `server` (an index into the runtime's full server configs). */
    openTransport: (_, _params: { server: number }) => {},
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
}).createMachine({
  id: 'conn',
  context: ({ input }) => ({
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
  }),
  initial: 'idle',
  states: {
    // Created, not yet asked to connect (Mongoose after init, before IP_ACQUIRED).
    idle: {
      on: {
        'client.connect': { target: 'online', actions: 'restart' },
        'net.up': { target: 'online', actions: 'restart' },
        'client.configure': { actions: 'applyConfig' },
        'client.disconnect': { target: 'stopped', actions: 'clearError' },
      },
    },
    // A transport exists (opening, handshaking or connected): exactly one, closed on the way out.
    online: {
      exit: 'closeTransport',
      initial: 'connecting',
      on: {
        'client.disconnect': { target: 'stopped', actions: 'clearError' },
        'client.configure': { target: 'online', reenter: true, actions: 'applyConfig' },
      },
      states: {
        connecting: {
          entry: [
            'countAttempt',
            'emitConnecting',
            { type: 'openTransport', params: ({ context }) => ({ server: context.current }) },
          ],
          after: {
            connectTimeout: {
              guard: 'hasConnectTimeout',
              target: '#conn.backoff',
              actions: [{ type: 'recordTimeout', params: { code: 'CONNECT_TIMEOUT' } }, 'emitConnectError'],
            },
          },
          on: {
            'transport.error': { target: '#conn.backoff', actions: ['recordFailure', 'emitConnectError'] },
            'transport.closed': { target: '#conn.backoff', actions: ['recordFailure', 'emitConnectError'] },
            'mqtt.error': { target: '#conn.backoff', actions: ['recordFailure', 'emitConnectError'] },
            'mqtt5.disconnect': { target: '#conn.backoff', actions: ['recordFailure', 'emitConnectError'] },
          },
          initial: 'opening',
          states: {
            opening: {
              on: { 'transport.opened': 'handshaking' },
            },
            handshaking: {
              entry: { type: 'sendConnect', params: ({ context }) => ({ server: context.current }) },
              on: {
                'mqtt.connack': [
                  { guard: 'accepted', target: '#conn.online.connected', actions: 'adoptConnack' },
                  // R81: a refusal that will not heal stops the client, reporting why.
                  {
                    guard: 'stopsOnRefusal',
                    target: '#conn.stopped',
                    actions: ['recordFailure', 'emitConnectError'],
                  },
                  { target: '#conn.backoff', actions: ['recordFailure', 'emitConnectError'] },
                ],
                // R260-R270: the MQTT 5 CONNACK, decided by its reason code.
                'mqtt5.connack': [
                  { guard: 'accepted', target: '#conn.online.connected', actions: 'adoptConnack' },
                  {
                    guard: 'redirected',
                    target: '#conn.online',
                    reenter: true,
                    actions: ['recordFailure', 'emitConnectError', 'redirect'],
                  },
                  {
                    guard: 'stopsOnRefusal',
                    target: '#conn.stopped',
                    actions: ['recordFailure', 'emitConnectError'],
                  },
                  {
                    guard: 'busy',
                    target: '#conn.backoff',
                    actions: ['recordFailure', 'emitConnectError', 'busyBackoff'],
                  },
                  { target: '#conn.backoff', actions: ['recordFailure', 'emitConnectError'] },
                ],
              },
            },
          },
        },
        connected: {
          type: 'parallel',
          // The session goes up first, so a `connected` listener can publish at once.
          entry: [
            {
              type: 'sessionUp',
              params: ({ event }) => ({
                sessionPresent: event.type === 'mqtt.connack' && event.sessionPresent,
              }),
            },
            'emitConnected',
          ],
          exit: 'sessionDown',
          on: {
            'transport.error': {
              target: '#conn.backoff',
              actions: ['recordFailure', { type: 'emitDisconnected', params: { byUser: false } }],
            },
            'transport.closed': {
              target: '#conn.backoff',
              actions: ['recordFailure', { type: 'emitDisconnected', params: { byUser: false } }],
            },
            'mqtt.error': {
              target: '#conn.backoff',
              actions: ['recordFailure', { type: 'emitDisconnected', params: { byUser: false } }],
            },
            'client.disconnect': { target: '#conn.online.disconnecting', actions: 'clearError' },
            'client.configure': { target: '#conn.online.reconfiguring', actions: 'applyConfig' },
            // R262-R268: the broker closes the session and says why.
            'mqtt5.disconnect': [
              {
                guard: 'takenOver',
                target: '#conn.stopped',
                actions: ['recordFailure', { type: 'emitDisconnected', params: { byUser: false } }],
              },
              {
                guard: 'failsOver',
                target: '#conn.online',
                reenter: true,
                actions: [
                  'recordFailure',
                  { type: 'emitDisconnected', params: { byUser: false } },
                  'failOver',
                ],
              },
              {
                guard: 'redirected',
                target: '#conn.online',
                reenter: true,
                actions: [
                  'recordFailure',
                  { type: 'emitDisconnected', params: { byUser: false } },
                  'redirect',
                ],
              },
              {
                guard: 'busy',
                target: '#conn.backoff',
                actions: [
                  'recordFailure',
                  { type: 'emitDisconnected', params: { byUser: false } },
                  'busyBackoff',
                ],
              },
              {
                target: '#conn.backoff',
                actions: ['recordFailure', { type: 'emitDisconnected', params: { byUser: false } }],
              },
            ],
          },
          states: {
            // Keep-alive: PINGREQ every keepAliveMs; a missing PINGRESP is a dead link (R20-R22).
            keepalive: {
              initial: 'choosing',
              states: {
                choosing: { always: [{ guard: 'keepAliveEnabled', target: 'waiting' }, { target: 'off' }] },
                off: {},
                waiting: { after: { keepAlive: 'pinging' } },
                pinging: {
                  entry: 'sendPingreq',
                  on: { 'mqtt.pingresp': 'waiting' },
                  after: {
                    pingTimeout: [
                      {
                        guard: 'hasPingTimeout',
                        target: '#conn.backoff',
                        actions: [
                          { type: 'recordTimeout', params: { code: 'PING_TIMEOUT' } },
                          { type: 'emitDisconnected', params: { byUser: false } },
                        ],
                      },
                      // Mongoose: no timeout; the delay falls back to keep-alive, so pings go on.
                      { target: 'pinging', reenter: true },
                    ],
                  },
                },
              },
            },
            // When the reconnect schedule resets (R17-R18).
            stability: {
              initial: 'choosing',
              states: {
                choosing: {
                  always: [
                    { guard: 'resetsOnConnack', target: 'stable', actions: 'resetSchedule' },
                    { target: 'settling' },
                  ],
                },
                // A stable session also ends a run of immediate moves (R268).
                settling: {
                  after: { stableConnection: { target: 'stable', actions: ['resetSchedule', 'clearMoves'] } },
                },
                stable: {},
              },
            },
            // Mongoose's queue_drained: new QoS>=1 publishes wait behind the replay (R30).
            delivery: {
              initial: 'replaying',
              states: {
                replaying: { on: { 'session.drained': { target: 'ready', actions: 'emitReady' } } },
                ready: {},
              },
            },
          },
        },
        // Transient: DISCONNECT goes out before the transport closes on the way out of `online`.
        disconnecting: {
          entry: ['sendDisconnect', { type: 'emitDisconnected', params: { byUser: true } }],
          always: '#conn.stopped',
        },
        reconfiguring: {
          entry: ['sendDisconnect', { type: 'emitDisconnected', params: { byUser: true } }],
          always: { target: '#conn.online', reenter: true },
        },
      },
    },
    // No transport; waiting to retry. Leaving this state cancels the timer (fixes Mongoose bug 1.11).
    backoff: {
      entry: 'advanceSchedule',
      initial: 'drawing',
      on: {
        'client.connect': { target: 'online' },
        'net.up': { target: 'online' },
        'client.disconnect': { target: 'stopped', actions: 'clearError' },
        'client.configure': { target: 'online', actions: 'applyConfig' },
      },
      states: {
        drawing: {
          entry: 'drawRandom',
          on: { 'random.drawn': { target: 'waiting', actions: ['applyJitter', 'emitBackoff'] } },
        },
        waiting: { after: { retryDelay: '#conn.online' } },
      },
    },
    // The user disconnected, or a refusal stopped the client (R81): nothing pending until the next
    // client.connect (R25-R26).
    stopped: {
      entry: 'emitStopped',
      on: {
        'client.connect': { target: 'online', actions: 'restart' },
        'client.configure': { actions: 'applyConfig' },
      },
    },
  },
});

/** The machine's type, for typed helpers. */
export type ConnectionMachine = typeof connectionMachine;
