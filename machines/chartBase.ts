/**
 * The connection statechart's 3.1.1 base (docs/spec.md, R363) as a plain object, with no xstate
 * import: chart.ts merges the MQTT 5 extension (chartV5.ts) into it for the xstate machine
 * (machines/connection.ts), and the browser's chart step (runtime/chartStep.ts) interprets it
 * directly, with the plain implementations of implementations.ts, unless the MQTT 5 profile gives
 * it the whole chart. Actions, guards and delays are named here and defined there.
 *
 * @module
 */
import type { ConnectionEvent, ConnectionInput } from './events.js';
import { type ConnectionContext, initialContext } from './implementations.js';

/**
 * What a 3.1.1 CONNACK does, in `handshaking` and in MQTT 5's `authenticating` alike (R81); MQTT
 * 5's CONNACK and the `authenticating` state are chartV5.ts's.
 */
export const CONNACK_311 = [
  { guard: 'accepted', target: '#conn.online.connected', actions: 'adoptConnack' },
  // R81: a refusal that will not heal stops the client, reporting why.
  {
    guard: 'stopsOnRefusal',
    target: '#conn.stopped',
    actions: ['recordFailure', 'emitConnectError'],
  },
  { target: '#conn.backoff', actions: ['recordFailure', 'emitConnectError'] },
] as const;

/**
 * The connection statechart's 3.1.1 base (spec R363): every state a 3.1.1 client can be in, with
 * the same state values as the whole chart (the connected `auth` region and its `idle` included),
 * and every transition a 3.1.1 event takes; the names of their actions, guards and delays. Plain
 * data (and three params functions). chart.ts merges the MQTT 5 extension (chartV5.ts) into it.
 */
export const baseChart = {
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
              on: { 'mqtt.connack': CONNACK_311 },
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
            // R313-R314: re-authentication while connected (the MQTT 5 extension's transitions).
            auth: {
              initial: 'idle',
              states: { idle: {} },
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
