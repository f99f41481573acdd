/**
 * The reconnect schedule as pure functions: Mongoose's `mgos_mqtt_conn_reconnect` made explicit,
 * with the server ring generalising its `mqtt` / `mqtt1` pair. No clock, no randomness: the random
 * draw comes in as an argument (spec rules R10-R16).
 */

/** One server's place in the schedule: no address and no credentials, only timing and whether it is used. */
export interface ServerTiming {
  /** A label for events and the journal, e.g. `mqtt` or `mqtt1`. */
  readonly name: string;
  /** Whether failover may switch to this server. */
  readonly enabled: boolean;
  /** `reconnect_timeout_min` in milliseconds. */
  readonly minMs: number;
  /** `reconnect_timeout_max` in milliseconds. */
  readonly maxMs: number;
  /** This server's keep alive in ms (Mongoose's `mqtt1` has its own `keep_alive`). @default the client-wide `keepAliveMs` */
  readonly keepAliveMs?: number;
  /** This server's PINGRESP deadline in ms. @default the client-wide `pingTimeoutMs` */
  readonly pingTimeoutMs?: number;
}

/** Where the schedule stands: which server, and Mongoose's `reconnect_timeout_ms` (`t`). */
export interface ScheduleState {
  /** Index of the current server in the ring. */
  readonly current: number;
  /** The last nominal delay in ms; 0 after a reset (Mongoose's `reconnect_timeout_ms`). */
  readonly t: number;
}

/** The outcome of one failure: the next server, the new `t`, and the nominal delay before the next attempt. */
export interface NextRetry extends ScheduleState {
  /** The delay before jitter, in ms: `clamp(2t, min, max)` of the (possibly new) current server. */
  readonly nominalMs: number;
  /** Whether this failure switched servers. */
  readonly switched: boolean;
}

/** The seed value of `t` when it is 0: Mongoose doubles it before use, so the first delay is `clamp(2 s, min, max)`. */
export const INITIAL_T_MS = 1000;

/**
 * The next enabled server after `current` in ring order, or `current` itself when no other is
 * enabled (spec R13: with no backup the client stays on the primary at max).
 */
export function nextEnabledServer(servers: readonly ServerTiming[], current: number): number {
  for (let step = 1; step < servers.length; step++) {
    const candidate = (current + step) % servers.length;
    if (servers[candidate]?.enabled) return candidate;
  }
  return current;
}

/**
 * Advances the schedule after a failed attempt (spec R10-R13). Exactly Mongoose's rule:
 * if the attempt that just failed was scheduled at the current server's max, switch to the next
 * enabled server and restart from its min; then `t = clamp(2t, min, max)`.
 */
export function nextRetry(servers: readonly ServerTiming[], state: ScheduleState): NextRetry {
  let { current, t } = state;
  let switched = false;
  const here = servers[current];
  if (here === undefined) throw new RangeError(`no server at index ${current}`);
  if (t >= here.maxMs) {
    const next = nextEnabledServer(servers, current);
    if (next !== current) {
      current = next;
      t = (servers[next] as ServerTiming).minMs;
      switched = true;
    }
  }
  if (t <= 0) t = INITIAL_T_MS;
  const server = servers[current] as ServerTiming;
  // clamp(2t, min, max)
  const nominalMs = Math.min(Math.max(2 * t, server.minMs), server.maxMs);
  return { current, t: nominalMs, nominalMs, switched };
}

/**
 * Applies jitter to a nominal delay (spec R14): `nominal * (1 + jitter * (2r - 1))`, so a uniform
 * draw `r` in [0, 1) lands in [nominal(1 - jitter), nominal(1 + jitter)). Mongoose uses jitter 0.1.
 */
export function jittered(nominalMs: number, jitter: number, r: number): number {
  return nominalMs * (1 + jitter * (2 * r - 1));
}
