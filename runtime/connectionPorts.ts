/**
 * What a connection (`connection.ts`) is configured with and talks to: its configuration, the
 * session and event ports its owner sets, and the coarse state of a snapshot. Re-exported by
 * `connection.ts`.
 * Internal: not in the index.
 *
 * @module
 */
import type { ConnectionSnapshot } from './drivers.js';
import type { LifecycleClientOptions } from './options.js';
import type { WirePacket } from './profile.js';
import type { ClientEvent, ClientState } from './types.js';

/** The session layer as the connection sees it (the MQTT session lives there). */
export interface SessionPort {
  /** CONNACK rc=0 arrived, with the broker's Receive Maximum (R243); writes go to the new transport. */
  connected(sessionPresent: boolean, receiveMaximum: number): void;
  /** The transport is gone. */
  disconnected(): void;
  /** A packet the lifecycle does not handle (PUBLISH, acks, SUBACK, UNSUBACK). */
  handle(packet: Exclude<WirePacket, { readonly cmd: 'connack' | 'pingresp' | 'disconnect' | 'auth' }>): void;
}

/** The connection's configuration: the lifecycle options plus what only the runtime reads. */
export interface ConnectionConfig extends LifecycleClientOptions {
  /** Grace period for a closing transport to flush before it is destroyed, in ms. @default 1000 */
  readonly closeGraceMs?: number;
}

const ignore = (): void => {};

/** The key of {@link EventPort}'s method: a symbol, so the owner's public API does not grow. */
export const CLIENT_EVENT: unique symbol = Symbol('mqtt-lifeline.clientEvent');

/**
 * Where a connection's events go: its owner itself (a method, not a closure per client: many
 * idle clients in one process each pay for one).
 */
export interface EventPort {
  [CLIENT_EVENT](event: ClientEvent): void;
}

/** The events port of a connection whose owner has not set one: events go nowhere. */
export const NO_EVENTS: EventPort = Object.freeze({ [CLIENT_EVENT]: ignore });

/** The coarse state of a snapshot (cheap: it runs for every received packet). */
export function clientState(snapshot: ConnectionSnapshot): ClientState {
  const value = snapshot.value;
  if (typeof value === 'string') return value as ClientState;
  if ('backoff' in value) return 'backoff';
  return 'connected' in (value.online as object) ? 'connected' : 'connecting';
}
