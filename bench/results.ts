/** The shape of `bench/results.json`. */
import type { Machine } from './machine.js';
import type { BrokerKind, Scale, Target } from './scenarios/index.js';
import type { Summary, Verdict } from './stats.js';

/** One metric of one scenario, both clients side by side. */
export interface MetricResult {
  readonly scenario: string;
  readonly title: string;
  readonly params: object;
  readonly metric: string;
  readonly label: string;
  readonly unit: string;
  readonly better: 'higher' | 'lower';
  /** The mosquitto configuration it ran against. */
  readonly broker: BrokerKind;
  readonly lifeline: Summary;
  /** Absent for a scenario that measures mqtt-lifeline alone (the `maxInflight` sweep). */
  readonly mqttjs?: Summary;
  /** mqtt-lifeline's median / MQTT.js's median; `null` when both are 0 or MQTT.js was not measured. */
  readonly ratio: number | null;
  readonly target?: Target;
  readonly verdict: Verdict;
}

export interface BenchResults {
  readonly machine: Machine;
  readonly scale: Scale;
  readonly runs: number;
  /** Wall time of the whole benchmark, in seconds. */
  readonly durationSec: number;
  /** The extra mosquitto.conf lines of the `bench` broker (the `stock` one has none). */
  readonly brokerConfig: string;
  readonly metrics: readonly MetricResult[];
  /**
   * Targeted runs recorded after the full run (`--only`, same shape), each with its own machine
   * line: e.g. issue 14's rows. A full `npm run bench` measures every scenario and leaves none.
   * @default none
   */
  readonly supplements?: readonly BenchSupplement[];
}

/** One targeted run kept beside the full run in `results.json`. */
export interface BenchSupplement {
  /** What it measured and why, matching its section in `RESULTS.md`. */
  readonly section: string;
  readonly machine: Machine;
  readonly scale: Scale;
  readonly runs: number;
  readonly metrics: readonly MetricResult[];
}

/** Biome's line width: `results.json` is written the way `biome format` would leave it. */
const LINE_WIDTH = 110;

/**
 * `results` as JSON with 2-space indentation, numbers rounded to 3 decimals and short arrays of
 * numbers on one line, as Biome formats them, so a fresh benchmark run leaves `npm run lint` clean.
 */
export function formatResultsJson(results: BenchResults): string {
  const text = JSON.stringify(
    results,
    (_key, value: unknown) => (typeof value === 'number' ? Math.round(value * 1000) / 1000 : value),
    2,
  );
  const collapsed = text.replace(
    /\[\n\s+(-?[\d.e+-]+(?:,\n\s+-?[\d.e+-]+)*)\n\s*\]/g,
    (match: string, body: string, offset: number) => {
      const oneLine = `[${body.split(/,\n\s+/).join(', ')}]`;
      const lineStart = text.lastIndexOf('\n', offset) + 1;
      // The line also carries the key before the array and a comma after it.
      return offset - lineStart + oneLine.length + 1 <= LINE_WIDTH ? oneLine : match;
    },
  );
  return `${collapsed}\n`;
}
