/**
 * The MQTT 5 extension's implementations (spec R363): the guards and context updates only MQTT 5
 * events and `client.reauthenticate` reach (R260-R271, R310-R317), and the MQTT 5 branches of the
 * base's `accepted`, `stopsOnRefusal`, `adoptConnack` and `recordFailure`, which replace the
 * base's of the same name. Kept apart from implementations.ts so a chart step without the MQTT 5
 * profile carries neither this file nor v5.ts. Pure, like the machine.
 *
 * @module
 */
import type { ErrorData } from '../errors.js';
import { nextEnabledServer } from './backoff.js';
import { type ContextUpdate, errorOf, GUARDS, type Guard, home, table, UPDATES } from './implementations.js';
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

/** The MQTT 5 extension's guards, the base's `accepted` and `stopsOnRefusal` widened to MQTT 5. */
export const V5_GUARDS = /* @__PURE__ */ table<Guard>()({
  accepted: (c, e) => GUARDS.accepted(c, e) || (e.type === 'mqtt5.connack' && e.reasonCode === 0),
  // Named per decision (not one guard with params) so the diagram says which rule a transition is.
  /** R262: 0x8E, another client took the session over. */
  takenOver: (_, e) => v5Decision(e) === 'takeover',
  /** R263: the broker is busy or over quota. */
  busy: (_, e) => v5Decision(e) === 'backoff',
  /** R264, R268: 0x8B, and the loop bound allows an immediate move. */
  failsOver: (c, e) => v5Decision(e) === 'failover' && c.moves < MAX_REDIRECTS,
  /** R265, R268: 0x9C / 0x9D with a Server Reference, and the loop bound allows an immediate move. */
  redirected: (c, e) => v5Decision(e) === 'redirect' && c.moves < MAX_REDIRECTS,
  /** R81, R261: MQTT 5's refusals are the one table of R242 and R260 (`v5.ts`'s `connackDecision`). */
  stopsOnRefusal: (c, e) =>
    GUARDS.stopsOnRefusal(c, e) ||
    (c.options.onRefused === 'stop' &&
      e.type === 'mqtt5.connack' &&
      connackDecision(e.reasonCode, e.serverReference) === 'refuse'),
  /** R310: a broker AUTH 0x18, Continue authentication. */
  authContinues: (_, e) => e.type === 'mqtt5.auth' && e.reasonCode === AUTH_CONTINUE,
  /** R314: a broker AUTH 0x00, Success: the re-authentication is done. */
  authSucceeded: (_, e) => e.type === 'mqtt5.auth' && e.reasonCode === 0,
  /** R315: a DISCONNECT refusing the authentication, under `onRefused: 'stop'`. */
  authRefusedStops: (c, e) =>
    c.options.onRefused === 'stop' && e.type === 'mqtt5.disconnect' && AUTH_REFUSALS.has(e.reasonCode),
});

/** The MQTT 5 extension's context updates, the base's `adoptConnack` and `recordFailure` widened to MQTT 5. */
export const V5_UPDATES = /* @__PURE__ */ table<ContextUpdate>()({
  /** R312: one broker AUTH 0x18 counted. */
  countAuthStep: (c) => ({ authSteps: c.authSteps + 1 }),
  /** R269, R270: what an accepting CONNACK says about this connection. */
  adoptConnack: (c, e) =>
    e.type === 'mqtt5.connack'
      ? {
          serverKeepAliveMs: e.serverKeepAliveMs ?? null,
          assignedClientId: e.assignedClientId ?? c.assignedClientId,
        }
      : UPDATES.adoptConnack(c, e),
  /** R265-R267: the next attempt goes to the referenced server (runs after the error events). */
  redirect: (c, e) =>
    e.type === 'mqtt5.connack' || e.type === 'mqtt5.disconnect'
      ? { ...redirectRing(c, e.serverReference ?? [], e.reasonCode === SERVER_MOVED), moves: c.moves + 1 }
      : c,
  /** R264: the next enabled server at once, on a fresh schedule. */
  failOver: (c) => ({
    current: nextEnabledServer(c.servers, home(c)),
    returnTo: null,
    t: 0,
    moves: c.moves + 1,
  }),
  /** R263: the wait is at least the server's max (t = max/2 doubles to max, keeping R13's switch). */
  busyBackoff: (c) => ({ t: Math.max(c.t, (c.servers[home(c)]?.maxMs ?? 0) / 2) }),
  /** The failure an MQTT 5 CONNACK or DISCONNECT reports (R260-R262), else the base's. */
  recordFailure: (_, e) => ({ lastError: (v5Error(e) as ErrorData | null) ?? errorOf(e) }),
});

// Object.assign, not spreads, so a bundler can drop them unused (it keeps a spread: a getter could run).
/** The whole machine's guards: the base's with the MQTT 5 extension's. */
export const ALL_GUARDS = /* @__PURE__ */ Object.assign({}, GUARDS, V5_GUARDS);
/** The whole machine's context updates: the base's with the MQTT 5 extension's. */
export const ALL_UPDATES = /* @__PURE__ */ Object.assign({}, UPDATES, V5_UPDATES);
