/**
 * What the statechart does on an MQTT 5 broker's word (spec R260-R271), as data and pure functions:
 * the decision for each CONNACK and DISCONNECT reason code, and the server-ring changes a redirect
 * makes. The reason codes' names live in protocol/v5/reasonCodes.ts (machines/ may not import
 * protocol/); this file holds only which way each code sends the lifecycle, citing OASIS MQTT 5.0
 * sections 3.2.2.2 (CONNACK) and 3.14.2.1 (DISCONNECT).
 */
import { ConnackError, type ErrorData, TransportError } from '../errors.js';
import type { ServerTiming } from './backoff.js';
import type { ConnectionEvent } from './events.js';

/**
 * What a CONNACK reason code does (R260): `accept` the session, `retry` on the schedule, `backoff`
 * (the schedule, waiting at least the server's max, R263), `refuse` (stop under `onRefused: 'stop'`,
 * else retry, R261) or `redirect` (with a Server Reference, R265).
 */
export type ConnackDecision = 'accept' | 'retry' | 'backoff' | 'refuse' | 'redirect';

/**
 * What a server DISCONNECT reason code does (R262): `drop` (the schedule as for a lost link),
 * `backoff` (R263), `failover` (the next server at once, R264), `takeover` (stop, R262) or
 * `redirect` (with a Server Reference, R265).
 */
export type DisconnectDecision = 'drop' | 'backoff' | 'failover' | 'takeover' | 'redirect';

/**
 * CONNACK codes that will not heal by sending the same CONNECT again (R261): 0x81 Malformed Packet,
 * 0x82 Protocol Error, 0x84 Unsupported Protocol Version, 0x85 Client Identifier not valid, 0x86 Bad
 * User Name or Password, 0x87 Not authorized, 0x8A Banned, 0x8C Bad authentication method, 0x90
 * Topic Name invalid (the will's), 0x95 Packet too large, 0x99 Payload format invalid, 0x9A Retain
 * not supported, 0x9B QoS not supported (the will's, both).
 */
export const CONNACK_FINAL: ReadonlySet<number> = new Set([
  0x81, 0x82, 0x84, 0x85, 0x86, 0x87, 0x8a, 0x8c, 0x90, 0x95, 0x99, 0x9a, 0x9b,
]);

/** Codes that say "too much, later" (R263): 0x89 Server busy, 0x96 Message rate too high, 0x97 Quota exceeded, 0x9F Connection rate exceeded. */
export const BUSY_CODES: ReadonlySet<number> = new Set([0x89, 0x96, 0x97, 0x9f]);

/** 0x9C Use another server: the reference is for the next attempt only (R266). */
export const USE_ANOTHER_SERVER = 0x9c;
/** 0x9D Server moved: the reference replaces the server for the client's life (R267). */
export const SERVER_MOVED = 0x9d;
/** 0x8B Server shutting down (R264). */
export const SERVER_SHUTTING_DOWN = 0x8b;
/** 0x8E Session taken over (R262). */
export const SESSION_TAKEN_OVER = 0x8e;

/**
 * Server DISCONNECT codes that refuse the client's authentication (R315): 0x87 Not authorized and
 * 0x8C Bad authentication method. During an exchange they are a refusal like CONNACK's (R81).
 */
export const AUTH_REFUSALS: ReadonlySet<number> = new Set([0x87, 0x8c]);
/** AUTH 0x18 Continue authentication (R310). */
export const AUTH_CONTINUE = 0x18;

/** Consecutive immediate moves (redirects and 0x8B fail-overs) before the normal schedule applies again (R268). */
export const MAX_REDIRECTS = 5;

const isRedirect = (code: number, reference: readonly string[] | undefined): boolean =>
  (code === USE_ANOTHER_SERVER || code === SERVER_MOVED) && (reference?.length ?? 0) > 0;

/** The decision for a CONNACK reason code (R260); unknown failure codes retry on the schedule. */
export function connackDecision(code: number, reference?: readonly string[]): ConnackDecision {
  if (code === 0) return 'accept';
  if (isRedirect(code, reference)) return 'redirect';
  if (CONNACK_FINAL.has(code)) return 'refuse';
  if (BUSY_CODES.has(code)) return 'backoff';
  return 'retry';
}

/** The decision for a server DISCONNECT reason code (R262); every other code is a drop. */
export function disconnectDecision(code: number, reference?: readonly string[]): DisconnectDecision {
  if (code === SESSION_TAKEN_OVER) return 'takeover';
  if (code === SERVER_SHUTTING_DOWN) return 'failover';
  if (isRedirect(code, reference)) return 'redirect';
  if (BUSY_CODES.has(code)) return 'backoff';
  return 'drop';
}

/** The decision an MQTT 5 event asks for, or null for any other event. */
export function v5Decision(event: ConnectionEvent): ConnackDecision | DisconnectDecision | null {
  if (event.type === 'mqtt5.connack') return connackDecision(event.reasonCode, event.serverReference);
  if (event.type === 'mqtt5.disconnect') return disconnectDecision(event.reasonCode, event.serverReference);
  return null;
}

const hex = (code: number): string => `0x${code.toString(16).toUpperCase().padStart(2, '0')}`;

/** The failure an MQTT 5 event reports: the runtime's typed error when it sent one, else a generic one. */
export function v5Error(event: ConnectionEvent): ErrorData | null {
  if (event.type === 'mqtt5.connack') return event.error ?? new ConnackError(event.reasonCode).toData();
  if (event.type === 'mqtt5.disconnect') {
    return (
      event.error ??
      new TransportError(`the server disconnected with reason code ${hex(event.reasonCode)}`, {
        code: 'TRANSPORT_CLOSED',
      }).toData()
    );
  }
  return null;
}

/** The part of the statechart's context a redirect reads and writes. */
export interface RingState {
  /** The server ring. */
  readonly servers: readonly ServerTiming[];
  /** The server of the attempt (or session) that was redirected. */
  readonly current: number;
  /** The ring server to come back to after a one-attempt 0x9C target, or null (R266). */
  readonly returnTo: number | null;
}

/**
 * The ring after a redirect to `reference` (R265-R267): each referenced name not yet in the ring is
 * appended, timed like the server it replaces; under 0x9D they are enabled and the server left is
 * disabled (unless referenced), under 0x9C they are appended disabled, so that only the next attempt
 * goes there. The next attempt goes to the first referenced server. The runtime mirrors the ring by
 * reading the names of new indexes from the snapshot's `servers`.
 */
export function redirectRing(state: RingState, reference: readonly string[], moved: boolean): RingState {
  const left = state.current;
  const template = state.servers[left] ?? state.servers[0];
  const servers = [...state.servers];
  const targets = reference.map((name) => {
    const found = servers.findIndex((s) => s.name === name);
    if (found >= 0) {
      if (moved) servers[found] = { ...(servers[found] as ServerTiming), enabled: true };
      return found;
    }
    servers.push({ ...(template as ServerTiming), name, enabled: moved });
    return servers.length - 1;
  });
  if (moved && !targets.includes(left))
    servers[left] = { ...(servers[left] as ServerTiming), enabled: false };
  const first = targets[0] ?? left;
  return {
    servers,
    current: first,
    // 0x9D ends any one-attempt detour: the moved-to servers are the ring now.
    returnTo: moved ? null : (state.returnTo ?? left),
  };
}
