/**
 * Shared arbitraries, a spec oracle and command runners for the property tests. The oracle is
 * written from the text of docs/spec.md (R12-R13), not from machines/backoff.ts, so the properties
 * compare the machine against the specification rather than against itself.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { ServerTiming } from '../machines/backoff.js';
import type { ConnectionEvent, ConnectionInput, LifecycleOptions } from '../machines/events.js';
import {
  type DriverKind,
  defaultOptions,
  type Harness,
  mongooseOptions,
} from '../test/support/lifecycleHarness.js';

/**
 * `n` property runs, scaled by the environment variable PROPERTY_RUNS_SCALE (e.g. 20 for a long
 * bug hunt; the default keeps the folder fast).
 */
export const numRuns = (n: number): number =>
  Math.max(1, Math.round(n * Number(process.env.PROPERTY_RUNS_SCALE ?? 1)));

// ---------------------------------------------------------------------------------------------
// Spec oracle (R12, R13)
// ---------------------------------------------------------------------------------------------

export const clamp = (value: number, min: number, max: number): number => Math.min(Math.max(value, min), max);

/** R5: the first enabled server (index 0 when none is, which inputs never are). */
export const firstEnabledIndex = (servers: readonly ServerTiming[]): number =>
  Math.max(
    0,
    servers.findIndex((s) => s.enabled),
  );

/** R13: the next enabled server after `current` in ring order, or `current` when there is none. */
export function ringNext(servers: readonly ServerTiming[], current: number): number {
  for (let i = 1; i < servers.length; i++) {
    const candidate = (current + i) % servers.length;
    if (servers[candidate]?.enabled) return candidate;
  }
  return current;
}

/** One failure as the spec words it: R13 (failover when t >= max), then R12 (t = clamp(2t)). */
export function specNext(
  servers: readonly ServerTiming[],
  current: number,
  t: number,
): { current: number; t: number; nominalMs: number; switched: boolean } {
  let server = servers[current] as ServerTiming;
  let switched = false;
  if (t >= server.maxMs) {
    const next = ringNext(servers, current);
    if (next !== current) {
      current = next;
      server = servers[next] as ServerTiming;
      t = server.minMs;
      switched = true;
    }
  }
  const base = t <= 0 ? 1000 : t;
  const nominalMs = clamp(2 * base, server.minMs, server.maxMs);
  return { current, t: nominalMs, nominalMs, switched };
}

/** R14: delay = nominal x (1 + j(2r - 1)). */
export const specJitter = (nominalMs: number, jitter: number, r: number): number =>
  nominalMs * (1 + jitter * (2 * r - 1));

/**
 * Attempts one server gets in a half-cycle when every attempt fails: the nominal delays go
 * clamp(start), clamp(2 start), ... up to max, one attempt after each (R12-R13).
 */
export function halfCycleAttempts(server: ServerTiming, start: number): number {
  let nominal = clamp(start, server.minMs, server.maxMs);
  let count = 1;
  while (nominal < server.maxMs) {
    nominal = clamp(2 * nominal, server.minMs, server.maxMs);
    count++;
  }
  return count;
}

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

/** A timing in ms: fractional seconds (100..120000 ms) or whole seconds. */
const msArb = fc.oneof(
  fc.integer({ min: 100, max: 120_000 }),
  fc.integer({ min: 1, max: 120 }).map((s) => s * 1000),
);

/** One server (enabled unless told otherwise) with 0 < min <= max. */
export const serverArb = (name: string, enabled = true): fc.Arbitrary<ServerTiming> =>
  fc.tuple(msArb, msArb).map(([a, b]) => ({ name, enabled, minMs: Math.min(a, b), maxMs: Math.max(a, b) }));

/** A server whose half-cycle is short (max <= 16 min), for long ring walks. */
export const shortServerArb = (name: string, enabled: boolean): fc.Arbitrary<ServerTiming> =>
  fc
    .tuple(fc.integer({ min: 100, max: 5000 }), fc.integer({ min: 1, max: 16 }))
    .map(([minMs, factor]) => ({ name, enabled, minMs, maxMs: minMs * factor }));

/** A ring of 2..4 short servers, at least one enabled. */
export const ringArb: fc.Arbitrary<ServerTiming[]> = fc
  .array(fc.boolean(), { minLength: 2, maxLength: 4 })
  .filter((flags) => flags.some(Boolean))
  .chain((flags) => fc.tuple(...flags.map((enabled, i) => shortServerArb(`s${i}`, enabled))));

/** Any server ring of 1..3 servers, at least one enabled. */
export const anyRingArb: fc.Arbitrary<ServerTiming[]> = fc
  .array(fc.boolean(), { minLength: 1, maxLength: 3 })
  .map((flags) => (flags.some(Boolean) ? flags : [true, ...flags.slice(1)]))
  .chain((flags) => fc.tuple(...flags.map((enabled, i) => serverArb(`s${i}`, enabled))));

export const jitterArb = fc.double({ min: 0, max: 0.5, noNaN: true });
/** A uniform draw r in [0, 1). */
export const drawArb = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
export const drawsArb = fc.array(drawArb, { minLength: 1, maxLength: 8 });

/** Which driver runs the machine: the XState actor, xstate's pure step, or the chart step (R344). */
export const kindArb = fc.constantFrom<DriverKind>('actor', 'step', 'chart');

/** The mongoose profile with a random jitter. */
export const mongooseOptionsArb: fc.Arbitrary<LifecycleOptions> = jitterArb.map((jitter) => ({
  ...mongooseOptions,
  jitter,
}));

/**
 * The default profile with a random jitter and random timings (a timeout or keep-alive may be 0:
 * off); `maxStableMs` bounds stableConnectionMs.
 */
export const defaultOptionsArb = (maxStableMs: number): fc.Arbitrary<LifecycleOptions> =>
  fc
    .record({
      jitter: jitterArb,
      stableConnectionMs: fc.integer({ min: 1, max: maxStableMs }),
      connectTimeoutMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 60_000 })),
      keepAliveMs: fc.oneof(fc.constant(0), fc.integer({ min: 1000, max: 120_000 })),
      pingTimeoutMs: fc.integer({ min: 1, max: 60_000 }),
    })
    .map((o) => ({ ...defaultOptions, ...o }));

/** Options of either profile with a random jitter; the default profile's timings vary too. */
export const optionsArb: fc.Arbitrary<LifecycleOptions> = fc.oneof(
  mongooseOptionsArb,
  defaultOptionsArb(60_000),
);

export const inputArb: fc.Arbitrary<ConnectionInput> = fc.record({
  servers: anyRingArb,
  options: optionsArb,
});

/** A random source that replays `draws` cyclically, and counts what it handed out. */
export function cyclicRandom(draws: readonly number[]): { random: () => number; drawn: number[] } {
  const drawn: number[] = [];
  return {
    drawn,
    random: () => {
      const r = draws[drawn.length % draws.length] as number;
      drawn.push(r);
      return r;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Failures (R10) and retries
// ---------------------------------------------------------------------------------------------

/** Every way an attempt can fail (R10, R11, R20; a kick before stableConnectionMs under R18). */
export type FailureKind =
  | { kind: 'transport.error' }
  | { kind: 'transport.closed'; opened: boolean }
  | { kind: 'refused'; returnCode: number }
  | { kind: 'mqtt.error'; opened: boolean }
  | { kind: 'connect.timeout'; opened: boolean }
  | { kind: 'kicked' };

export const failureArb: fc.Arbitrary<FailureKind> = fc.oneof(
  fc.constant({ kind: 'transport.error' as const }),
  fc.boolean().map((opened) => ({ kind: 'transport.closed' as const, opened })),
  fc.integer({ min: 1, max: 5 }).map((returnCode) => ({ kind: 'refused' as const, returnCode })),
  fc.boolean().map((opened) => ({ kind: 'mqtt.error' as const, opened })),
  fc.boolean().map((opened) => ({ kind: 'connect.timeout' as const, opened })),
  fc.constant({ kind: 'kicked' as const }),
);

/** Whether `failure` is a failure under `options` (a timeout needs one; a kick must not reset). */
export const failsUnder = (failure: FailureKind, options: LifecycleOptions): boolean =>
  failure.kind === 'connect.timeout'
    ? options.connectTimeoutMs > 0
    : failure.kind === 'kicked'
      ? options.reset === 'stable' && options.stableConnectionMs > 0
      : true;

export const transportError: ConnectionEvent = {
  type: 'transport.error',
  error: { code: 'TRANSPORT_ERROR', message: 'ECONNREFUSED' },
};
export const protocolError: ConnectionEvent = {
  type: 'mqtt.error',
  error: { code: 'PROTOCOL_ERROR', message: 'malformed packet' },
};

/** Makes the attempt that has just started (online.connecting.opening) fail as `failure` says. */
export function failAttempt(h: Harness, failure: FailureKind): void {
  switch (failure.kind) {
    case 'transport.error':
      h.send(transportError);
      return;
    case 'transport.closed':
      if (failure.opened) h.send({ type: 'transport.opened' });
      h.send({ type: 'transport.closed' });
      return;
    case 'refused':
      h.send({ type: 'transport.opened' });
      h.send({ type: 'mqtt.connack', returnCode: failure.returnCode, sessionPresent: false });
      return;
    case 'mqtt.error':
      if (failure.opened) h.send({ type: 'transport.opened' });
      h.send(protocolError);
      return;
    case 'connect.timeout':
      if (failure.opened) h.send({ type: 'transport.opened' });
      // R20, bracketed by half a millisecond: the simulated clock's float sums are not exact.
      h.tick(h.driver.getSnapshot().context.options.connectTimeoutMs - 0.5);
      if (coarse(h.value()) !== 'connecting')
        expect(h.value(), 'failed before the connect timeout').toBe('connecting');
      h.tick(1);
      if (h.driver.getSnapshot().context.lastError?.code !== 'CONNECT_TIMEOUT') {
        expect(h.driver.getSnapshot().context.lastError).toMatchObject({ code: 'CONNECT_TIMEOUT' });
      }
      return;
    case 'kicked':
      h.send({ type: 'transport.opened' });
      h.send({ type: 'mqtt.connack', returnCode: 0, sessionPresent: false });
      h.send({ type: 'transport.closed' });
      return;
  }
}

/**
 * Waits out the pending retry (R16): no attempt half a millisecond before the delay, one attempt
 * half a millisecond after it. Returns the new attempt's server.
 */
export function awaitRetry(h: Harness): number {
  // Plain checks first, expect() only to report: this runs thousands of times per property.
  const before = h.attempts().length;
  const snapshot = h.driver.getSnapshot();
  if (!snapshot.matches({ backoff: 'waiting' })) expect(snapshot.value).toEqual({ backoff: 'waiting' });
  const delay = snapshot.context.delayMs;
  if (delay > 0.5) {
    h.tick(delay - 0.5);
    if (h.attempts().length !== before) expect(h.attempts(), 'attempt before the delay').toHaveLength(before);
  }
  h.tick(1);
  if (h.attempts().length !== before + 1)
    expect(h.attempts(), 'no attempt after the delay').toHaveLength(before + 1);
  return (h.attempts()[before] as { server: number }).server;
}

/** Consecutive equal items grouped as [item, run length]. */
export function runs<T>(items: readonly T[]): [T, number][] {
  const out: [T, number][] = [];
  for (const item of items) {
    const last = out.at(-1);
    if (last !== undefined && last[0] === item) last[1]++;
    else out.push([item, 1]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Random commands (for disconnect, replay and driver-equivalence runs)
// ---------------------------------------------------------------------------------------------

export type Command =
  | { c: 'connect' }
  | { c: 'disconnect' }
  | { c: 'net.up' }
  | { c: 'opened' }
  | { c: 'refuse' }
  | { c: 'close' }
  | { c: 'accept'; sessionPresent: boolean }
  | { c: 'connack'; returnCode: number; sessionPresent: boolean }
  | { c: 'mqtt.error' }
  | { c: 'pingresp' }
  | { c: 'drained' }
  | { c: 'tick'; ms: number }
  | { c: 'configure'; servers: readonly ServerTiming[]; options: LifecycleOptions };

const tickArb = fc.oneof(
  fc.integer({ min: 0, max: 5_000 }),
  fc.integer({ min: 0, max: 130_000 }),
  fc.double({ min: 0, max: 10_000, noNaN: true }),
);

/** Every command; `withConnect: false` leaves out client.connect. */
export function commandArb(withConnect = true): fc.Arbitrary<Command> {
  return fc.oneof(
    ...(withConnect ? [{ arbitrary: fc.constant<Command>({ c: 'connect' }), weight: 2 }] : []),
    { arbitrary: fc.constant<Command>({ c: 'disconnect' }), weight: 1 },
    { arbitrary: fc.constant<Command>({ c: 'net.up' }), weight: 1 },
    { arbitrary: fc.constant<Command>({ c: 'opened' }), weight: 2 },
    { arbitrary: fc.constant<Command>({ c: 'refuse' }), weight: 2 },
    { arbitrary: fc.constant<Command>({ c: 'close' }), weight: 2 },
    {
      arbitrary: fc.boolean().map<Command>((sessionPresent) => ({ c: 'accept', sessionPresent })),
      weight: 3,
    },
    {
      arbitrary: fc
        .record({ returnCode: fc.integer({ min: 0, max: 5 }), sessionPresent: fc.boolean() })
        .map<Command>((r) => ({ c: 'connack', ...r })),
      weight: 1,
    },
    { arbitrary: fc.constant<Command>({ c: 'mqtt.error' }), weight: 1 },
    { arbitrary: fc.constant<Command>({ c: 'pingresp' }), weight: 2 },
    { arbitrary: fc.constant<Command>({ c: 'drained' }), weight: 1 },
    { arbitrary: tickArb.map<Command>((ms) => ({ c: 'tick', ms })), weight: 5 },
    {
      arbitrary: inputArb.map<Command>(({ servers, options }) => ({ c: 'configure', servers, options })),
      weight: 1,
    },
  );
}

/** The inputs a command stands for (a tick is time, not an input). */
export function eventsOf(command: Exclude<Command, { c: 'tick' }>): ConnectionEvent[] {
  switch (command.c) {
    case 'connect':
      return [{ type: 'client.connect' }];
    case 'disconnect':
      return [{ type: 'client.disconnect' }];
    case 'net.up':
      return [{ type: 'net.up' }];
    case 'opened':
      return [{ type: 'transport.opened' }];
    case 'refuse':
      return [transportError];
    case 'close':
      return [{ type: 'transport.closed' }];
    case 'accept':
      return [
        { type: 'transport.opened' },
        { type: 'mqtt.connack', returnCode: 0, sessionPresent: command.sessionPresent },
      ];
    case 'connack':
      return [
        { type: 'mqtt.connack', returnCode: command.returnCode, sessionPresent: command.sessionPresent },
      ];
    case 'mqtt.error':
      return [protocolError];
    case 'pingresp':
      return [{ type: 'mqtt.pingresp' }];
    case 'drained':
      return [{ type: 'session.drained' }];
    case 'configure':
      return [{ type: 'client.configure', servers: command.servers, options: command.options }];
  }
}

/** Carries out one command on a harness. */
export function applyCommand(h: Harness, command: Command): void {
  if (command.c === 'tick') h.tick(command.ms);
  else for (const event of eventsOf(command)) h.send(event);
}

/** The coarse state of R1: which top-level state a snapshot value is in. */
export type Coarse = 'idle' | 'connecting' | 'connected' | 'backoff' | 'stopped' | 'transient';

export function coarse(value: unknown): Coarse {
  if (value === 'idle' || value === 'stopped') return value;
  if (typeof value === 'object' && value !== null) {
    if ('backoff' in value) return 'backoff';
    const online = (value as { online?: unknown }).online;
    if (typeof online === 'object' && online !== null) {
      if ('connecting' in online) return 'connecting';
      if ('connected' in online) return 'connected';
    }
  }
  return 'transient';
}

/** R27 as observed from outside: a transport is open exactly when the machine is `online`. */
export function checkTransport(h: Harness): void {
  const snapshot = h.driver.getSnapshot();
  const state = coarse(snapshot.value);
  const expected = state === 'connecting' || state === 'connected' ? snapshot.context.current : null;
  // Plain checks first, expect() only to report: this runs after every command.
  if (h.violations.length > 0) expect(h.violations).toEqual([]);
  if (h.openServer() !== expected)
    expect(h.openServer(), `transport in ${JSON.stringify(snapshot.value)}`).toBe(expected);
}
