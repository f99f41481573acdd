/**
 * When the reconnect schedule resets (spec R17, R18): on CONNACK rc=0 in the `mongoose` profile,
 * and only after `stableConnectionMs` of uptime in the default profile.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ServerTiming } from '../machines/backoff.js';
import type { ConnectionEvent, LifecycleOptions } from '../machines/events.js';
import {
  createHarness,
  type DriverKind,
  defaultOptions,
  type Harness,
  mongooseOptions,
} from '../test/support/lifecycleHarness.js';
import {
  anyRingArb,
  awaitRetry,
  clamp,
  coarse,
  drawArb,
  type FailureKind,
  failAttempt,
  failsUnder,
  failureArb,
  jitterArb,
  numRuns,
  protocolError,
  specNext,
  transportError,
} from './arbitraries.js';

const kindArb = fc.constantFrom<DriverKind>('actor', 'step');

/** How an established session ends (R10): each is a failure. */
const dropArb = fc.constantFrom<ConnectionEvent>({ type: 'transport.closed' }, transportError, protocolError);

/** Tick sizes, scaled so that they sum to the wanted uptime. */
const piecesArb = fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 4 });

/** Splits `total` ms into integer ticks in the proportions of `pieces`. */
function split(total: number, pieces: readonly number[]): number[] {
  const sum = pieces.reduce((a, b) => a + b, 0);
  const out = pieces.map((p) => Math.floor((total * p) / sum));
  out[out.length - 1] = (out.at(-1) as number) + total - out.reduce((a, b) => a + b, 0);
  return out;
}

/**
 * Fails `failures.length` attempts (escalating the schedule), then lets the next attempt through:
 * returns the schedule's (current, t) just before CONNACK rc=0.
 */
function escalateThenAccept(
  h: Harness,
  failures: readonly FailureKind[],
  sessionPresent: boolean,
): { current: number; t: number } {
  h.send({ type: 'client.connect' });
  for (const failure of failures) {
    failAttempt(h, failure);
    awaitRetry(h);
  }
  const { current, t } = h.driver.getSnapshot().context;
  h.send({ type: 'transport.opened' });
  h.send({ type: 'mqtt.connack', returnCode: 0, sessionPresent });
  expect(coarse(h.value())).toBe('connected');
  return { current, t };
}

/** Stays connected for `ticks`, answering every PINGREQ at once so keep-alive never fails. */
function stayUp(h: Harness, ticks: readonly number[]): void {
  for (const ms of ticks) {
    h.tick(ms);
    h.send({ type: 'mqtt.pingresp' });
    expect(coarse(h.value())).toBe('connected');
  }
}

/** The first nominal delay of a restarted schedule on `server` (R12 from t = 0). */
const fresh = (server: ServerTiming): number => clamp(2000, server.minMs, server.maxMs);

const failuresArb = (options: LifecycleOptions) =>
  fc.array(
    failureArb.filter((f) => failsUnder(f, options)),
    { maxLength: 14 },
  );

describe('schedule resets', () => {
  it('R17: in the mongoose profile any CONNACK rc=0 resets t, so the next failure is clamp(2000, min, max) on the same server', () => {
    const optionsArb = jitterArb.map((jitter) => ({ ...mongooseOptions, jitter }));
    fc.assert(
      fc.property(
        anyRingArb,
        optionsArb.chain((options) => fc.tuple(fc.constant(options), failuresArb(options))),
        fc.boolean(),
        fc.array(fc.integer({ min: 0, max: 200_000 }), { maxLength: 4 }),
        dropArb,
        drawArb,
        kindArb,
        (servers, [options, failures], sessionPresent, uptime, drop, r, kind) => {
          const h = createHarness({ servers, options }, kind, () => r);
          const before = escalateThenAccept(h, failures, sessionPresent);
          expect(h.driver.getSnapshot().context.t).toBe(0);
          stayUp(h, uptime);
          h.send(drop);
          const { context } = h.driver.getSnapshot();
          expect(context.current).toBe(before.current);
          expect(context.switched).toBe(false);
          expect(context.nominalMs).toBe(fresh(servers[before.current] as ServerTiming));
          expect(awaitRetry(h)).toBe(before.current);
          expect(h.violations).toEqual([]);
        },
      ),
      { numRuns: numRuns(80) },
    );
  });

  const stableOptionsArb = fc
    .record({
      jitter: jitterArb,
      stableConnectionMs: fc.integer({ min: 1, max: 120_000 }),
      connectTimeoutMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 60_000 })),
      keepAliveMs: fc.oneof(fc.constant(0), fc.integer({ min: 1000, max: 120_000 })),
      pingTimeoutMs: fc.integer({ min: 1, max: 60_000 }),
    })
    .map((o): LifecycleOptions => ({ ...defaultOptions, ...o }));

  it('R18: in the default profile a connection that lasted < stableConnectionMs does not reset: the schedule escalates (R12-R13)', () => {
    fc.assert(
      fc.property(
        anyRingArb,
        stableOptionsArb.chain((options) =>
          fc.tuple(
            fc.constant(options),
            failuresArb(options),
            fc.integer({ min: 0, max: options.stableConnectionMs - 1 }),
          ),
        ),
        piecesArb,
        dropArb,
        drawArb,
        kindArb,
        (servers, [options, failures, uptime], pieces, drop, r, kind) => {
          const h = createHarness({ servers, options }, kind, () => r);
          const before = escalateThenAccept(h, failures, false);
          stayUp(h, split(uptime, pieces));
          h.send(drop);
          const expected = specNext(servers, before.current, before.t);
          const { context } = h.driver.getSnapshot();
          expect({
            current: context.current,
            t: context.t,
            nominalMs: context.nominalMs,
            switched: context.switched,
          }).toEqual(expected);
          expect(awaitRetry(h)).toBe(expected.current);
          expect(h.violations).toEqual([]);
        },
      ),
      { numRuns: numRuns(80) },
    );
  });

  it('R18: in the default profile a connection that lasted >= stableConnectionMs resets: the next failure is clamp(2000, min, max) on the same server', () => {
    fc.assert(
      fc.property(
        anyRingArb,
        stableOptionsArb.chain((options) =>
          fc.tuple(
            fc.constant(options),
            failuresArb(options),
            // One ms past the boundary: clock times here are float sums, so == is not reliable.
            fc.integer({ min: options.stableConnectionMs + 1, max: options.stableConnectionMs + 200_000 }),
          ),
        ),
        piecesArb,
        dropArb,
        drawArb,
        kindArb,
        (servers, [options, failures, uptime], pieces, drop, r, kind) => {
          const h = createHarness({ servers, options }, kind, () => r);
          const before = escalateThenAccept(h, failures, true);
          stayUp(h, split(uptime, pieces));
          expect(h.driver.getSnapshot().context.t).toBe(0);
          h.send(drop);
          const { context } = h.driver.getSnapshot();
          expect(context.current).toBe(before.current);
          expect(context.switched).toBe(false);
          expect(context.nominalMs).toBe(fresh(servers[before.current] as ServerTiming));
          expect(awaitRetry(h)).toBe(before.current);
          expect(h.violations).toEqual([]);
        },
      ),
      { numRuns: numRuns(80) },
    );
  });
});
