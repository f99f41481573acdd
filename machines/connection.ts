/**
 * The connection statechart (docs/spec.md). Pure: no sockets, no timers, no clock, no randomness.
 * Effects are named actions that each runtime supplies with `provide()`; time enters through the
 * named `after` delays (a runtime's clock fires them) and randomness through `random.drawn` events.
 */
import { assign, emit, setup } from 'xstate';
import { ConnackError, type ErrorData, TimeoutError, TransportError } from '../errors.js';
import { jittered, nextRetry, type ServerTiming } from './backoff.js';
import { connackMessage, connackVerdict } from './connackCodes.js';
import type { ConnectionEvent, ConnectionInput, LifecycleEvent, LifecycleOptions } from './events.js';

/** Bumped whenever a change to the machine could make an old journal replay differently. */
export const MACHINE_VERSION = 2;

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
}

const serverName = (context: ConnectionContext): string => context.servers[context.current]?.name ?? '?';

/** The current server's keep alive and ping deadline: its own, else the client-wide one. */
const keepAliveMs = (c: ConnectionContext): number =>
  c.servers[c.current]?.keepAliveMs ?? c.options.keepAliveMs;
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
      return new ConnackError(event.returnCode, connackMessage(event.returnCode, event.reason)).toData();
    default:
      // Only the named timeouts reach here, and they use recordTimeout.
      return new TransportError(`unexpected ${event.type}`).toData();
  }
};

/**
 * Return codes that will not heal by retrying with the same CONNECT (spec R81): every 3.1.1
 * refusal but 3, "server unavailable", which is the broker saying "later"; for MQTT 5 reason
 * codes, the table of spec R242 (`connackCodes.ts`).
 */
const finalRefusal = (event: ConnectionEvent): boolean =>
  event.type === 'mqtt.connack' && event.returnCode !== 0 && connackVerdict(event.returnCode) === 'final';

/** The schedule step shared by every path into backoff (spec R10-R13). */
const advance = (context: ConnectionContext) => {
  const next = nextRetry(context.servers, context);
  return { current: next.current, t: next.t, nominalMs: next.nominalMs, switched: next.switched };
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
    restart: assign({ t: 0, attempt: 0, current: ({ context }) => firstEnabled(context.servers) }),
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
      sessionPresent: event.type === 'mqtt.connack' && event.sessionPresent,
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
    accepted: ({ event }) => event.type === 'mqtt.connack' && event.returnCode === 0,
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
                  { guard: 'accepted', target: '#conn.online.connected' },
                  // R81: a refusal that will not heal stops the client, reporting why.
                  {
                    guard: 'stopsOnRefusal',
                    target: '#conn.stopped',
                    actions: ['recordFailure', 'emitConnectError'],
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
                settling: { after: { stableConnection: { target: 'stable', actions: 'resetSchedule' } } },
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
