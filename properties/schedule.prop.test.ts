/**
 * The reconnect schedule (spec R12-R14, R45), as pure functions and as lived through the statechart
 * under a simulated clock with every kind of failure (R10).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jittered, nextEnabledServer, nextRetry, type ServerTiming } from '../machines/backoff.js';
import type { LifecycleEvent, LifecycleOptions } from '../machines/events.js';
import { createHarness, type Harness } from '../test/support/lifecycleHarness.js';
import {
  awaitRetry,
  clamp,
  cyclicRandom,
  drawArb,
  drawsArb,
  type FailureKind,
  failAttempt,
  failsUnder,
  failureArb,
  firstEnabledIndex,
  halfCycleAttempts,
  jitterArb,
  kindArb,
  numRuns,
  optionsArb,
  ringArb,
  ringNext,
  runs,
  serverArb,
  specJitter,
  specNext,
} from './arbitraries.js';

type BackoffEvent = Extract<LifecycleEvent, { type: 'backoff' }>;

/** Failure patterns valid under `options`: each entry is a failure there (R10). */
const patternArb = (options: LifecycleOptions) =>
  fc.array(
    failureArb.filter((f) => failsUnder(f, options)),
    { minLength: 1, maxLength: 6 },
  );

/** A run where every attempt fails (cycling through `pattern`): the server of each attempt, and each backoff event. */
function failEveryAttempt(
  h: Harness,
  pattern: readonly FailureKind[],
  attempts: number,
): { servers: number[]; backoffs: BackoffEvent[] } {
  h.send({ type: 'client.connect' });
  const servers = [h.openServer() as number];
  const backoffs: BackoffEvent[] = [];
  for (let i = 0; servers.length < attempts; i++) {
    const emittedBefore = h.emitted.length;
    failAttempt(h, pattern[i % pattern.length] as FailureKind);
    const backoff = h.emitted.slice(emittedBefore).filter((e): e is BackoffEvent => e.type === 'backoff');
    if (backoff.length !== 1) expect(backoff, 'one backoff event per failure').toHaveLength(1);
    backoffs.push(backoff[0] as BackoffEvent);
    servers.push(awaitRetry(h));
  }
  expect(h.violations).toEqual([]);
  return { servers, backoffs };
}

describe('schedule: pure functions (machines/backoff.ts)', () => {
  it('R12: nominal delays double (clamp(2t, min, max)) from t = 1000 up to max, then stay at max', () => {
    fc.assert(
      fc.property(serverArb('mqtt'), fc.integer({ min: 1, max: 30 }), (server, failures) => {
        const ring = [server];
        let state = { current: 0, t: 0 };
        let previous = 1000;
        for (let i = 0; i < failures; i++) {
          const next = nextRetry(ring, state);
          expect(next.nominalMs).toBe(clamp(2 * previous, server.minMs, server.maxMs));
          expect(next.t).toBe(next.nominalMs);
          expect(next.current).toBe(0);
          expect(next.switched).toBe(false);
          if (previous >= server.maxMs) expect(next.nominalMs).toBe(server.maxMs);
          previous = next.nominalMs;
          state = next;
        }
        // Doubling reaches max within ceil(log2(max / min)) + 1 failures and stays there.
        const bound = Math.ceil(Math.log2(server.maxMs / server.minMs)) + 1;
        if (failures > bound) expect(previous).toBe(server.maxMs);
      }),
      { numRuns: numRuns(200) },
    );
  });

  it('R12-R13: nextRetry is the spec rule (failover when t >= max, then clamp(2t)) for any ring and t', () => {
    fc.assert(
      fc.property(
        ringArb,
        fc.nat(),
        fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 200_000 })),
        (servers, pick, t) => {
          const enabled = servers.flatMap((s, i) => (s.enabled ? [i] : []));
          const current = enabled[pick % enabled.length] as number;
          expect(nextRetry(servers, { current, t })).toEqual(specNext(servers, current, t));
          expect(nextEnabledServer(servers, current)).toBe(ringNext(servers, current));
        },
      ),
      { numRuns: numRuns(300) },
    );
  });

  it('R14, R45: jitter is nominal x (1 + j(2r - 1)): within [nominal(1-j), nominal(1+j)], j = 0 exact, finite and >= 0', () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 120_000, noNaN: true }), jitterArb, drawArb, (nominal, j, r) => {
        const delay = jittered(nominal, j, r);
        expect(delay).toBe(specJitter(nominal, j, r));
        expect(Number.isFinite(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeGreaterThanOrEqual(nominal * (1 - j));
        expect(delay).toBeLessThanOrEqual(nominal * (1 + j));
        expect(jittered(nominal, 0, r)).toBe(nominal);
        // r = 0 reaches the lower bound, and the delay grows with r.
        expect(jittered(nominal, j, 0)).toBe(nominal * (1 - j));
        expect(jittered(nominal, j, r / 2)).toBeLessThanOrEqual(delay);
      }),
      { numRuns: numRuns(500) },
    );
  });
});

describe('schedule: through the statechart under a simulated clock', () => {
  it('R10, R12, R14, R16, R45: with one server every failure kind escalates clamp(2t) to max; each retry fires at its jittered delay', () => {
    fc.assert(
      fc.property(
        serverArb('mqtt'),
        optionsArb.chain((options) => fc.tuple(fc.constant(options), patternArb(options))),
        drawsArb,
        kindArb,
        (server, [options, pattern], draws, kind) => {
          const source = cyclicRandom(draws);
          const h = createHarness({ servers: [server], options }, kind, source.random);
          const { servers, backoffs } = failEveryAttempt(h, pattern, 14);
          expect(servers.every((s) => s === 0)).toBe(true);
          // The spec's sequence: nominal = clamp(2 x previous) from 1000, delay = jittered by the i-th draw.
          const expected: Omit<BackoffEvent, 'type' | 'server' | 'serverIndex'>[] = [];
          let previous = 1000;
          for (const r of source.drawn) {
            const nominalMs = clamp(2 * previous, server.minMs, server.maxMs);
            expected.push({ nominalMs, delayMs: specJitter(nominalMs, options.jitter, r), switched: false });
            previous = nominalMs;
          }
          expect(
            backoffs.map(({ nominalMs, delayMs, switched }) => ({ nominalMs, delayMs, switched })),
          ).toEqual(expected);
          // R14 bounds, R45 finite and >= 0.
          const outOfBounds = backoffs.filter(
            (b) =>
              !Number.isFinite(b.delayMs) ||
              b.delayMs < 0 ||
              b.delayMs < b.nominalMs * (1 - options.jitter) ||
              b.delayMs > b.nominalMs * (1 + options.jitter),
          );
          expect(outOfBounds).toEqual([]);
        },
      ),
      { numRuns: numRuns(60) },
    );
  });

  it('R13: primary and backup alternate; each half-cycle has the spec count (the first adds the immediate attempt and starts from t = 1000)', () => {
    fc.assert(
      fc.property(
        serverArb('mqtt'),
        serverArb('mqtt1'),
        optionsArb.chain((options) => fc.tuple(fc.constant(options), patternArb(options))),
        drawArb,
        kindArb,
        (primary, backup, [options, pattern], r, kind) => {
          const first = 1 + halfCycleAttempts(primary, 2000);
          const onBackup = halfCycleAttempts(backup, 2 * backup.minMs);
          const onPrimary = halfCycleAttempts(primary, 2 * primary.minMs);
          const expected: [number, number][] = [
            [0, first],
            [1, onBackup],
            [0, onPrimary],
            [1, onBackup],
          ];
          const attempts = first + 2 * onBackup + onPrimary + 1;
          const h = createHarness({ servers: [primary, backup], options }, kind, () => r);
          const { servers, backoffs } = failEveryAttempt(h, pattern, attempts);
          expect(runs(servers).slice(0, 4)).toEqual(expected);
          expect(servers.at(-1)).toBe(0);
          // A switch restarts from the new server's min: the first delay there is clamp(2 min).
          backoffs.forEach((b, i) => {
            if (!b.switched) return;
            const s = [primary, backup][b.serverIndex] as ServerTiming;
            expect(b.nominalMs).toBe(clamp(2 * s.minMs, s.minMs, s.maxMs));
            expect(servers[i + 1]).toBe(b.serverIndex);
          });
        },
      ),
      { numRuns: numRuns(40) },
    );
  });

  it('R13: with the backup disabled the client stays on the primary at max forever', () => {
    fc.assert(
      fc.property(
        serverArb('mqtt'),
        serverArb('mqtt1', false),
        optionsArb.chain((options) => fc.tuple(fc.constant(options), patternArb(options))),
        kindArb,
        (primary, backup, [options, pattern], kind) => {
          const toMax = 1 + halfCycleAttempts(primary, 2000);
          const h = createHarness({ servers: [primary, backup], options }, kind);
          const { servers, backoffs } = failEveryAttempt(h, pattern, toMax + 6);
          expect(servers.every((s) => s === 0)).toBe(true);
          expect(backoffs.every((b) => !b.switched && b.serverIndex === 0)).toBe(true);
          expect(backoffs.slice(toMax - 2).map((b) => b.nominalMs)).toEqual(
            Array.from({ length: backoffs.length - toMax + 2 }, () => primary.maxMs),
          );
          expect(h.driver.getSnapshot().context.t).toBe(primary.maxMs);
        },
      ),
      { numRuns: numRuns(40) },
    );
  });

  it('R5, R13: an N-server ring visits only enabled servers, in ring order, with the spec count per half-cycle', () => {
    fc.assert(
      fc.property(
        ringArb,
        optionsArb.chain((options) => fc.tuple(fc.constant(options), patternArb(options))),
        kindArb,
        (servers, [options, pattern], kind) => {
          const h = createHarness({ servers, options }, kind);
          const visited = failEveryAttempt(h, pattern, 30).servers;
          const groups = runs(visited);
          expect(groups[0]?.[0]).toBe(firstEnabledIndex(servers));
          groups.forEach(([index, count], i) => {
            const s = servers[index] as ServerTiming;
            expect(s.enabled).toBe(true);
            if (i > 0) expect(index).toBe(ringNext(servers, groups[i - 1]?.[0] as number));
            if (i === groups.length - 1) return; // the last group is cut short by the run's length
            if (i === 0) expect(count).toBe(1 + halfCycleAttempts(s, 2000));
            else expect(count).toBe(halfCycleAttempts(s, 2 * s.minMs));
          });
          const enabled = servers.filter((s) => s.enabled).length;
          if (enabled === 1) expect(groups).toHaveLength(1);
          else expect(groups.length).toBeGreaterThan(enabled);
        },
      ),
      { numRuns: numRuns(40) },
    );
  });
});
