/**
 * The `setup()` half of the connection statechart (docs/spec.md): its actions, guards and delays
 * by name, for xstate. The implementations themselves are plain functions in implementations.ts
 * (no xstate import; the MQTT 5 extension's in implementationsV5.ts), which the browser's chart
 * step runs directly; here each is wrapped in
 * xstate's `assign` or `emit`, so the real machine and the chart step share one definition.
 */
import { assign, emit, setup } from 'xstate';
import type { ConnectionEvent, ConnectionInput, LifecycleEvent } from './events.js';
import {
  type ConnectionContext,
  DELAYS,
  EMITS,
  emitDisconnected,
  firstEnabled,
  recordTimeout,
} from './implementations.js';
import { ALL_GUARDS as GUARDS, ALL_UPDATES as UPDATES } from './implementationsV5.js';

export type { ConnectionContext };
export { firstEnabled };

/** The typed `setup()` of the connection statechart: its actions, guards and delays by name. */
export const connectionSetup = /* @__PURE__ */ setup({
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
    countAuthStep: assign(({ context, event }) => UPDATES.countAuthStep(context, event)),
    resetAuth: assign(({ context, event }) => UPDATES.resetAuth(context, event)),
    countAttempt: assign(({ context, event }) => UPDATES.countAttempt(context, event)),
    resetSchedule: assign(({ context, event }) => UPDATES.resetSchedule(context, event)),
    restart: assign(({ context, event }) => UPDATES.restart(context, event)),
    adoptConnack: assign(({ context, event }) => UPDATES.adoptConnack(context, event)),
    redirect: assign(({ context, event }) => UPDATES.redirect(context, event)),
    failOver: assign(({ context, event }) => UPDATES.failOver(context, event)),
    busyBackoff: assign(({ context, event }) => UPDATES.busyBackoff(context, event)),
    clearMoves: assign(({ context, event }) => UPDATES.clearMoves(context, event)),
    recordFailure: assign(({ context, event }) => UPDATES.recordFailure(context, event)),
    recordTimeout: assign(
      ({ context, event }, params: { readonly code: 'CONNECT_TIMEOUT' | 'PING_TIMEOUT' }) =>
        recordTimeout(context, event, params),
    ),
    advanceSchedule: assign(({ context, event }) => UPDATES.advanceSchedule(context, event)),
    applyJitter: assign(({ context, event }) => UPDATES.applyJitter(context, event)),
    applyConfig: assign(({ context, event }) => UPDATES.applyConfig(context, event)),
    emitConnecting: emit(({ context, event }) => EMITS.emitConnecting(context, event)),
    emitConnectError: emit(({ context, event }) => EMITS.emitConnectError(context, event)),
    emitConnected: emit(({ context, event }) => EMITS.emitConnected(context, event)),
    emitDisconnected: emit(({ context, event }, params: { readonly byUser: boolean }) =>
      emitDisconnected(context, event, params),
    ),
    emitBackoff: emit(({ context, event }) => EMITS.emitBackoff(context, event)),
    emitReady: emit(({ context, event }) => EMITS.emitReady(context, event)),
    emitStopped: emit(({ context, event }) => EMITS.emitStopped(context, event)),
    clearError: assign(({ context, event }) => UPDATES.clearError(context, event)),
  },
  guards: {
    accepted: ({ context, event }) => GUARDS.accepted(context, event),
    takenOver: ({ context, event }) => GUARDS.takenOver(context, event),
    busy: ({ context, event }) => GUARDS.busy(context, event),
    failsOver: ({ context, event }) => GUARDS.failsOver(context, event),
    redirected: ({ context, event }) => GUARDS.redirected(context, event),
    stopsOnRefusal: ({ context, event }) => GUARDS.stopsOnRefusal(context, event),
    authContinues: ({ context, event }) => GUARDS.authContinues(context, event),
    authSucceeded: ({ context, event }) => GUARDS.authSucceeded(context, event),
    authRefusedStops: ({ context, event }) => GUARDS.authRefusedStops(context, event),
    resetsOnConnack: ({ context, event }) => GUARDS.resetsOnConnack(context, event),
    hasConnectTimeout: ({ context, event }) => GUARDS.hasConnectTimeout(context, event),
    hasPingTimeout: ({ context, event }) => GUARDS.hasPingTimeout(context, event),
    keepAliveEnabled: ({ context, event }) => GUARDS.keepAliveEnabled(context, event),
  },
  delays: {
    retryDelay: ({ context }) => DELAYS.retryDelay(context),
    connectTimeout: ({ context }) => DELAYS.connectTimeout(context),
    keepAlive: ({ context }) => DELAYS.keepAlive(context),
    pingTimeout: ({ context }) => DELAYS.pingTimeout(context),
    stableConnection: ({ context }) => DELAYS.stableConnection(context),
  },
});
