/**
 * The connection statechart's states (docs/spec.md) as a plain object, with no xstate import:
 * machines/connection.ts makes the xstate machine of it (`connectionSetup.createMachine`), and the
 * browser's chart step (runtime/chartStep.ts) interprets it directly, with the plain
 * implementations of implementations.ts. Actions, guards and delays are named here and defined
 * there.
 *
 * @module
 */
import type { ConnectionEvent, ConnectionInput } from './events.js';
import { type ConnectionContext, initialContext } from './implementations.js';

/**
 * Bumped whenever a change to the machine could make an old journal replay differently. Version 3
 * added the MQTT 5 events (R260-R271); a version 2 journal holds none of them and replays the same.
 * Version 4 added enhanced authentication (R310-R317): the `authenticating` state, the connected
 * `auth` region and their events; version 2 and 3 journals replay the same (R317).
 */
export const MACHINE_VERSION = 4;

/**
 * What a CONNACK does, in `handshaking` and in `authenticating` alike (R81, R260-R270, R311).
 */
const CONNACK_ANSWERS = {
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
} as const;

/** One broker AUTH 0x18 answered: counted (R312), and the runtime's method computes the answer. */
const AUTH_STEP = ['countAuthStep', 'answerAuth'] as const;

/**
 * The connection statechart's configuration: the states, their transitions and the names of their
 * actions, guards and delays. Plain data (and two params functions), shared by the xstate machine
 * and the chart step.
 */
export const connectionChart = {
  id: 'conn',
  context: ({ input }: { readonly input: ConnectionInput }) => initialContext(input),
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
            'resetAuth',
            'emitConnecting',
            {
              type: 'openTransport',
              params: ({ context }: { readonly context: ConnectionContext }) => ({
                server: context.current,
                name: context.servers[context.current]?.name ?? '',
              }),
            },
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
              entry: {
                type: 'sendConnect',
                params: ({ context }: { readonly context: ConnectionContext }) => ({
                  server: context.current,
                }),
              },
              on: {
                ...CONNACK_ANSWERS,
                // R310: the broker's AUTH 0x18 starts the exchange the CONNECT's method asked for.
                'mqtt5.auth': { guard: 'authContinues', target: 'authenticating', actions: AUTH_STEP },
              },
            },
            // R310-R311: CONNECT with an Authentication Method, AUTH 0x18 both ways, until CONNACK.
            authenticating: {
              on: {
                ...CONNACK_ANSWERS,
                'mqtt5.auth': { guard: 'authContinues', actions: AUTH_STEP },
                // R315: an authentication failure is a refusal: it stops under `onRefused: 'stop'`.
                'mqtt5.disconnect': {
                  guard: 'authRefusedStops',
                  target: '#conn.stopped',
                  actions: ['recordFailure', 'emitConnectError'],
                },
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
              params: ({ event }: { readonly event: ConnectionEvent }) => ({
                sessionPresent:
                  (event.type === 'mqtt.connack' || event.type === 'mqtt5.connack') && event.sessionPresent,
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
            // R313-R314: re-authentication while connected: the session stays up throughout.
            auth: {
              initial: 'idle',
              states: {
                idle: {
                  on: {
                    'client.reauthenticate': {
                      target: 'reauthenticating',
                      actions: ['resetAuth', 'sendReauth'],
                    },
                  },
                },
                reauthenticating: {
                  on: {
                    'mqtt5.auth': [
                      { guard: 'authContinues', actions: AUTH_STEP },
                      { guard: 'authSucceeded', target: 'idle' },
                    ],
                    // R315: the broker refusing the new credentials stops under `onRefused: 'stop'`.
                    'mqtt5.disconnect': {
                      guard: 'authRefusedStops',
                      target: '#conn.stopped',
                      actions: ['recordFailure', { type: 'emitDisconnected', params: { byUser: false } }],
                    },
                  },
                },
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
} as const;
