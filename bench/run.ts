/**
 * `npm run bench`: starts mosquitto, measures every scenario with mqtt-lifeline and MQTT.js in
 * fresh processes, alternating between them, and writes `RESULTS.md` and `results.json`.
 *
 * Flags: `--runs N` (default 5), `--scale small|full` (default full), `--only id[,id]`,
 * `--out dir` (default bench/).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { MosquittoHandle } from '../test/support/brokers.js';
import {
  BENCH_MOSQUITTO_CONFIG,
  requireMosquittoBinary,
  startBenchBroker,
  startStockBroker,
} from './broker.js';
import { buildForBench, freshBuildDir } from './build.js';
import { CLIENT_KINDS, type ClientKind } from './clients/types.js';
import { describeMachine } from './machine.js';
import { renderReport } from './report.js';
import { type BenchResults, formatResultsJson, type MetricResult } from './results.js';
import {
  type BrokerKind,
  SCENARIOS,
  type Scale,
  type ScenarioSpec,
  scenarioById,
} from './scenarios/index.js';
import type { Metrics } from './scenarios/support.js';
import { soakSectionOf } from './soak/format.js';
import { ratioOf, summarise, validValue, verdict } from './stats.js';
import type { WorkerReply, WorkerRequest } from './worker.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH_DIR);
/** A worker that takes longer has hung (a lost acknowledgement, a client that never connects). */
const WORKER_TIMEOUT_MS: Record<Scale, number> = { small: 60_000, full: 300_000 };

export interface BenchOptions {
  /** Runs per client and scenario; the report gives their median and range. */
  readonly runs: number;
  readonly scale: Scale;
  /** Scenario ids to run. @default all */
  readonly only?: readonly string[];
  /** Where `RESULTS.md` and `results.json` go. */
  readonly outDir: string;
  /** Progress lines. @default stderr */
  readonly log?: (line: string) => void;
}

/** Runs one scenario with one client in a fresh node process and returns its metrics. */
function runWorker(
  worker: string,
  spec: ScenarioSpec,
  request: WorkerRequest,
  timeoutMs: number,
): Promise<Metrics> {
  return new Promise((resolve, reject) => {
    const args = [...(spec.nodeFlags ?? []), worker, JSON.stringify(request)];
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr = (stderr + text).slice(-8_192);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const what = `${request.scenario} with ${request.client}`;
      const line = stdout.trim().split('\n').pop() ?? '';
      let reply: WorkerReply | undefined;
      try {
        reply = JSON.parse(line) as WorkerReply;
      } catch {
        reply = undefined;
      }
      if (reply?.ok) resolve(reply.metrics);
      else if (reply !== undefined) reject(new Error(`${what} failed:\n${reply.error}`));
      else {
        const how =
          signal === 'SIGKILL' ? `timed out after ${timeoutMs} ms` : `exited with ${code ?? signal}`;
        reject(new Error(`${what} ${how}; stderr:\n${stderr}`));
      }
    });
  });
}

/** Runs the benchmark, writes the reports into `options.outDir`, and returns the results. */
export async function runBench(options: BenchOptions): Promise<BenchResults> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (!Number.isInteger(options.runs) || options.runs < 1)
    throw new Error(`--runs must be >= 1, got ${options.runs}`);
  const specs = options.only?.map(scenarioById) ?? SCENARIOS;
  requireMosquittoBinary();
  const machine = describeMachine();
  const started = Date.now();
  const buildDir = freshBuildDir();
  const worker = buildForBench(buildDir);
  const brokers: Partial<Record<BrokerKind, MosquittoHandle>> = {};
  const metrics: MetricResult[] = [];
  try {
    const clientsOf = (spec: ScenarioSpec) => spec.clients ?? CLIENT_KINDS;
    const total = specs.reduce((n, spec) => n + options.runs * clientsOf(spec).length, 0);
    let done = 0;
    for (const spec of specs) {
      const params = spec.params[options.scale];
      const brokerKind = spec.broker ?? 'bench';
      brokers[brokerKind] ??= await (brokerKind === 'stock' ? startStockBroker() : startBenchBroker());
      const port = brokers[brokerKind].port;
      const kinds = clientsOf(spec);
      const values = new Map<ClientKind, Metrics[]>(kinds.map((kind) => [kind, []]));
      for (let run = 0; run < options.runs; run++) {
        // A B, B A, ...: a slow drift of the machine or the broker favours neither client.
        const order = run % 2 === 0 ? kinds : [...kinds].reverse();
        for (const client of order) {
          const request: WorkerRequest = { scenario: spec.id, client, params, port };
          const result = await runWorker(worker, spec, request, WORKER_TIMEOUT_MS[options.scale]);
          values.get(client)?.push(result);
          const shown = spec.metrics.map((m) => `${m.key}=${result[m.key]?.toFixed(1)}`).join(' ');
          log(`[${++done}/${total}] ${spec.id} ${client} run ${run + 1}: ${shown}`);
        }
      }
      for (const metric of spec.metrics) {
        const collect = (kind: ClientKind) => {
          const runs = values.get(kind);
          if (runs === undefined) return undefined;
          return summarise(
            runs.map((r) => {
              const value = r[metric.key];
              if (!validValue(metric, value)) throw new Error(`${spec.id} ${kind}: ${metric.key} = ${value}`);
              return value;
            }),
          );
        };
        const lifeline = collect('lifeline');
        if (lifeline === undefined) throw new Error(`${spec.id} does not measure mqtt-lifeline`);
        const mqttjs = collect('mqttjs');
        const ratio = ratioOf(lifeline, mqttjs);
        metrics.push({
          scenario: spec.id,
          title: spec.title,
          params,
          metric: metric.key,
          label: metric.label,
          unit: metric.unit,
          better: metric.better,
          broker: brokerKind,
          lifeline,
          ...(mqttjs === undefined ? {} : { mqttjs }),
          ratio,
          ...(metric.target === undefined ? {} : { target: metric.target }),
          verdict: verdict(metric.target, ratio, lifeline, mqttjs),
        });
      }
    }
  } finally {
    await Promise.all(Object.values(brokers).map((broker) => broker.stop()));
    rmSync(buildDir, { recursive: true, force: true });
  }
  const results: BenchResults = {
    machine,
    scale: options.scale,
    runs: options.runs,
    durationSec: (Date.now() - started) / 1000,
    brokerConfig: BENCH_MOSQUITTO_CONFIG,
    metrics,
  };
  mkdirSync(options.outDir, { recursive: true });
  writeFileSync(join(options.outDir, 'results.json'), formatResultsJson(results));
  const resultsPath = join(options.outDir, 'RESULTS.md');
  // The soak's section (npm run soak, written by hand from its report) outlives a bench run.
  const soak = existsSync(resultsPath) ? soakSectionOf(readFileSync(resultsPath, 'utf8')) : '';
  writeFileSync(resultsPath, `${renderReport(results)}${soak}`);
  return results;
}

function parseCli(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      runs: { type: 'string', default: '5' },
      scale: { type: 'string', default: 'full' },
      only: { type: 'string', multiple: true },
      out: { type: 'string', default: BENCH_DIR },
    },
  });
  if (values.scale !== 'small' && values.scale !== 'full')
    throw new Error(`--scale must be small or full, got ${values.scale}`);
  return {
    runs: Number(values.runs),
    scale: values.scale,
    ...(values.only === undefined ? {} : { only: values.only.flatMap((o) => o.split(',')) }),
    outDir: values.out,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runBench(parseCli(process.argv.slice(2))).then(
    (results) => {
      const missed = results.metrics.filter((m) => m.verdict === 'missed').length;
      process.stderr.write(`done in ${Math.round(results.durationSec)} s; ${missed} target(s) missed\n`);
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
