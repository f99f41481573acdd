/**
 * The connection statechart (docs/spec.md). Pure: no sockets, no timers, no clock, no randomness.
 * Effects are named actions that each runtime supplies with `provide()`; time enters through the
 * named `after` delays (a runtime's clock fires them) and randomness through `random.drawn` events.
 */
import { connectionChart, MACHINE_VERSION } from './chart.js';
import { type ConnectionContext, connectionSetup } from './setup.js';

/** The statechart's context (defined with the actions that write it). */
export type { ConnectionContext };
export { MACHINE_VERSION };

/**
 * The connection lifecycle as an XState v5 machine. Provide the effect actions
 * (`openTransport`, `closeTransport`, `sendConnect`, `sendPingreq`, `sendDisconnect`,
 * `drawRandom`) per runtime with `connectionMachine.provide({ actions })`. Its states are
 * `connectionChart` (chart.ts), which the browser's chart step runs without xstate.
 */
export const connectionMachine = /* @__PURE__ */ connectionSetup.createMachine(connectionChart);

/** The machine's type, for typed helpers. */
export type ConnectionMachine = typeof connectionMachine;
