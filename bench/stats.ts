/** Summaries of repeated measurements and the verdict on a target. */
import type { MetricSpec, Target } from './scenarios/index.js';

/** The median and the range of one client's runs of one metric. */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Every run's value, in run order. */
  readonly values: readonly number[];
}

export function summarise(values: readonly number[]): Summary {
  if (values.length === 0) throw new Error('no values to summarise');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median =
    sorted.length % 2 === 1
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[sorted.length - 1] as number, values: [...values] };
}

/** `met`, `spread` (missed, but the two ranges overlap where that is allowed), `missed`, or `none` (no target). */
export type Verdict = 'met' | 'spread' | 'missed' | 'none';

/** mqtt-lifeline's median over MQTT.js's; `null` when undefined (0 / 0, or MQTT.js not measured). */
export function ratioOf(lifeline: Summary, mqttjs: Summary | undefined): number | null {
  if (mqttjs === undefined) return null;
  if (mqttjs.median === 0) return lifeline.median === 0 ? null : Number.POSITIVE_INFINITY;
  return lifeline.median / mqttjs.median;
}

export function verdict(
  target: Target | undefined,
  ratio: number | null,
  lifeline: Summary,
  mqttjs: Summary | undefined,
): Verdict {
  if (target === undefined) return 'none';
  if ('value' in target) {
    // Every run must be within the bound: the worst one decides.
    const worst = target.op === '<=' ? lifeline.max : lifeline.min;
    return (target.op === '<=' ? worst <= target.value : worst >= target.value) ? 'met' : 'missed';
  }
  if (ratio === null) return 'none';
  if (target.op === '<=' ? ratio <= target.ratio : ratio >= target.ratio) return 'met';
  const overlap = mqttjs !== undefined && lifeline.max >= mqttjs.min && mqttjs.max >= lifeline.min;
  return target.withinSpread && overlap ? 'spread' : 'missed';
}

/** Whether `value` is a valid measurement of `metric`: finite, and within its {@link MetricSpec.range}. */
export function validValue(metric: MetricSpec, value: unknown): value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  const range = metric.range ?? 'positive';
  return range === 'any' || (range === 'nonNegative' ? value >= 0 : value > 0);
}
