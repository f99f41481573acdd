/**
 * The machine's effects, by action name: the one table both drivers carry out (drivers.ts for the
 * actor, stepDriverCore.ts for the step driver). No xstate import.
 *
 * @module
 */
import type { ConnectionEvent } from '../machines/events.js';
import type { LifecycleHost } from './ports.js';

/** The params of each effect the machine names (its `actions` declarations). */
interface EffectParams {
  openTransport: { server: number; name: string };
  closeTransport: undefined;
  sendConnect: { server: number };
  sendPingreq: undefined;
  sendDisconnect: undefined;
  sessionUp: { sessionPresent: boolean };
  sessionDown: undefined;
  answerAuth: undefined;
  sendReauth: undefined;
  drawRandom: undefined;
}

/** An effect: what the runtime does for one action; it may answer with an event for the machine. */
export type Effect<P> = (host: LifecycleHost, params: P) => ConnectionEvent | undefined;

/**
 * The machine's effects, by action name: the one table both drivers carry out. A new effect is a
 * machine action, a row here and a {@link LifecycleHost} method.
 */
export const EFFECTS: { readonly [K in keyof EffectParams]: Effect<EffectParams[K]> } = Object.freeze({
  openTransport: (host, { server, name }) => {
    host.openTransport(server, name);
  },
  closeTransport: (host) => {
    host.closeTransport();
  },
  sendConnect: (host, { server }) => {
    host.sendConnect(server);
  },
  sendPingreq: (host) => {
    host.sendPingreq();
  },
  sendDisconnect: (host) => {
    host.sendDisconnect();
  },
  sessionUp: (host, { sessionPresent }) => {
    host.sessionUp(sessionPresent);
  },
  sessionDown: (host) => {
    host.sessionDown();
  },
  answerAuth: (host) => {
    host.answerAuth?.();
  },
  sendReauth: (host) => {
    host.sendReauth?.();
  },
  drawRandom: (host) => ({ type: 'random.drawn', value: host.random() }),
});

/** The effect of the action named `type`, or undefined for actions the machine applies itself. */
export function effectOf(type: string): Effect<unknown> | undefined {
  return Object.hasOwn(EFFECTS, type) ? (EFFECTS[type as keyof EffectParams] as Effect<unknown>) : undefined;
}
