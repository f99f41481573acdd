/**
 * Smoke test of the benchmark: the whole pipeline (compile, broker, every scenario with both
 * clients in worker processes, report) at a tiny scale, so it cannot rot. It asserts that every
 * metric was produced, never what it measured: timings depend on the machine. Its deadline has room
 * for the scenarios that kill and restart their own broker (reconnect, subscribe-many-*) and for
 * the failover ones, which start a Redis and three aedes node processes per run. It also keeps
 * issue 14's rows measurable: the MQTT 5 QoS 1 / 2 rows (spec R330) and the subscriptions at
 * scale (R331).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { haveMosquitto } from '../test/support/brokers.js';
import type { BenchResults } from './results.js';
import { runBench } from './run.js';
import { SCENARIOS } from './scenarios/index.js';
import { validValue } from './stats.js';

const outDir = mkdtempSync(join(tmpdir(), 'mqtt-lifeline-bench-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe.runIf(haveMosquitto)('npm run bench (small scale)', () => {
  it('measures every metric for both clients and writes both reports', { timeout: 420_000 }, async () => {
    await runBench({ runs: 1, scale: 'small', outDir, log: () => {} });

    const results = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')) as BenchResults;
    const expected = SCENARIOS.flatMap((s) => s.metrics.map((m) => `${s.id}/${m.key}`));
    expect(results.metrics.map((m) => `${m.scenario}/${m.metric}`)).toEqual(expected);
    for (const spec of SCENARIOS) {
      for (const metric of spec.metrics) {
        const result = results.metrics.find((m) => m.scenario === spec.id && m.metric === metric.key);
        const measured = spec.clients ?? ['lifeline', 'mqttjs'];
        expect(result?.mqttjs === undefined, `${spec.id}: MQTT.js measured`).toBe(
          !measured.includes('mqttjs'),
        );
        for (const summary of [result?.lifeline, result?.mqttjs].filter((s) => s !== undefined)) {
          expect(summary?.values, `${spec.id}/${metric.key}`).toHaveLength(1);
          expect(validValue(metric, summary?.median), `${spec.id}/${metric.key} = ${summary?.median}`).toBe(
            true,
          );
        }
      }
    }
    expect(existsSync(join(outDir, 'RESULTS.md'))).toBe(true);
    expect(readFileSync(join(outDir, 'RESULTS.md'), 'utf8')).toContain(results.machine.cpu);
  });
});
