/**
 * The connection statechart's MQTT 5 extension (spec R363): the states and transitions only MQTT 5
 * events (`mqtt5.connack`, `mqtt5.disconnect`, `mqtt5.auth`) and `client.reauthenticate` reach
 * (R260-R271, R310-R317), as a partial chart that chart.ts merges into the 3.1.1 base
 * (chartBase.ts) with `mergeChart`. Each key here is new to the base where it lands, appended
 * after the base's own, so the merged chart is the version 4 chart, key order included. Its
 * guards and updates are implementationsV5.ts's.
 *
 * @module
 */
import { CONNACK_311 } from './chartBase.js';

/** What an MQTT 5 CONNACK does, in `handshaking` and in `authenticating` alike (R260-R270, R311). */
const CONNACK_V5 = [
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
] as const;

/** One broker AUTH 0x18 answered: counted (R312), and the runtime's method computes the answer. */
const AUTH_STEP = ['countAuthStep', 'answerAuth'] as const;

/** `disconnected` told of a session the broker ended (R262). */
const DISCONNECTED = { type: 'emitDisconnected', params: { byUser: false } } as const;
/** A session the broker ends: the error recorded, `disconnected` told (R262). */
const DROPPED = ['recordFailure', DISCONNECTED] as const;

/** The MQTT 5 extension of the connection statechart, merged into the base by `mergeChart`. */
export const mqtt5Chart = {
  states: {
    online: {
      states: {
        connecting: {
          on: {
            'mqtt5.disconnect': { target: '#conn.backoff', actions: ['recordFailure', 'emitConnectError'] },
          },
          states: {
            handshaking: {
              on: {
                'mqtt5.connack': CONNACK_V5,
                // R310: the broker's AUTH 0x18 starts the exchange the CONNECT's method asked for.
                'mqtt5.auth': { guard: 'authContinues', target: 'authenticating', actions: AUTH_STEP },
              },
            },
            // R310-R311: CONNECT with an Authentication Method, AUTH 0x18 both ways, until CONNACK.
            authenticating: {
              on: {
                'mqtt.connack': CONNACK_311, // as in `handshaking` (R81)
                'mqtt5.connack': CONNACK_V5,
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
          on: {
            // R262-R268: the broker closes the session and says why.
            'mqtt5.disconnect': [
              { guard: 'takenOver', target: '#conn.stopped', actions: DROPPED },
              {
                guard: 'failsOver',
                target: '#conn.online',
                reenter: true,
                actions: ['recordFailure', DISCONNECTED, 'failOver'],
              },
              {
                guard: 'redirected',
                target: '#conn.online',
                reenter: true,
                actions: ['recordFailure', DISCONNECTED, 'redirect'],
              },
              {
                guard: 'busy',
                target: '#conn.backoff',
                actions: ['recordFailure', DISCONNECTED, 'busyBackoff'],
              },
              { target: '#conn.backoff', actions: DROPPED },
            ],
          },
          states: {
            // R313-R314: re-authentication while connected: the session stays up throughout.
            auth: {
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
                      actions: DROPPED,
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
} as const;
