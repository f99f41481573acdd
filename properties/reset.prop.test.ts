/**
 * When the reconnect schedule resets (spec R17, R18): on CONNACK rc=0 in the `mongoose` profile,
 * and only after `stableConnectionMs` of uptime in the default profile.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ServerTiming } from '../machines/backoff.js';
import type { ConnectionEvent, LifecycleOptions } from '../machines/events.js';
import { createHarness, type Harness } from '../test/support/lifecycleHarness.js';
import {
  anyRingArb,
  awaitRetry,
  clamp,
  coarse,
  defaultOptionsArb,
  drawArb,
  type FailureKind,
  failAttempt,
  failsUnder,
  failureArb,
  kindArb,
  mongooseOptionsArb,
  numRuns,
  protocolError,
  specNext,
  transportError,
} from './arbitraries.js';

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

/**
 * Ends the session with `drop` and checks that the schedule restarted (R12 from t = 0): the retry
 * is clamp(2000, min, max) on the same server `current`, without a failover.
 */
function expectFreshRetry(
  h: Harness,
  servers: readonly ServerTiming[],
  current: number,
  drop: ConnectionEvent,
): void {
  h.send(drop);
  const { context } = h.driver.getSnapshot();
  const server = servers[current] as ServerTiming;
  expect(context.current).toBe(current);
  expect(context.switched).toBe(false);
  expect(context.nominalMs).toBe(clamp(2000, server.minMs, server.maxMs));
  expect(awaitRetry(h)).toBe(current);
  expect(h.violations).toEqual([]);
}

const failuresArb = (options: LifecycleOptions) =>
  fc.array(
    failureArb.filter((f) => failsUnder(f, options)),
    { maxLength: 14 },
  );

/**
 * The R18 property: in the default profile (stableConnectionMs up to 120 s) some failures escalate
 * the schedule, a connection is accepted (with `sessionPresent`) and stays up for an uptime drawn
 * by `uptimeArb`, in random ticks; then `check` gets the harness, the ring, the schedule from
 * before the CONNACK and the event that is to end the session.
 */
function stableRunProperty(
  uptimeArb: (options: LifecycleOptions) => fc.Arbitrary<number>,
  sessionPresent: boolean,
  check: (
    h: Harness,
    servers: readonly ServerTiming[],
    before: { current: number; t: number },
    drop: ConnectionEvent,
  ) => void,
) {
  return fc.property(
    anyRingArb,
    defaultOptionsArb(120_000).chain((options) =>
      fc.tuple(fc.constant(options), failuresArb(options), uptimeArb(options)),
    ),
    piecesArb,
    dropArb,
    drawArb,
    kindArb,
    (servers, [options, failures, uptime], pieces, drop, r, kind) => {
      const h = createHarness({ servers, options }, kind, () => r);
      const before = escalateThenAccept(h, failures, sessionPresent);
      stayUp(h, split(uptime, pieces));
      check(h, servers, before, drop);
    },
  );
}

describe('schedule resets', () => {
  it('R17: in the mongoose profile any CONNACK rc=0 resets t, so the next failure is clamp(2000, min, max) on the same server', () => {
    fc.assert(
      fc.property(
        anyRingArb,
        mongooseOptionsArb.chain((options) => fc.tuple(fc.constant(options), failuresArb(options))),
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
          expectFreshRetry(h, servers, before.current, drop);
        },
      ),
      { numRuns: numRuns(80) },
    );
  });

  it('R18: in the default profile a connection that lasted < stableConnectionMs does not reset: the schedule escalates (R12-R13)', () => {
    fc.assert(
      stableRunProperty(
        (options) => fc.integer({ min: 0, max: options.stableConnectionMs - 1 }),
        false,
        (h, servers, before, drop) => {
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
      stableRunProperty(
        // One ms past the boundary: clock times here are float sums, so == is not reliable.
        (options) =>
          fc.integer({ min: options.stableConnectionMs + 1, max: options.stableConnectionMs + 200_000 }),
        true,
        (h, servers, before, drop) => {
          expect(h.driver.getSnapshot().context.t).toBe(0);
          expectFreshRetry(h, servers, before.current, drop);
        },
      ),
      { numRuns: numRuns(80) },
    );
  });
});
