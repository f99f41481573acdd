/**
 * Metric specifications more than one part of the scenario registry uses (throughput, delivery,
 * loss), apart from `index.ts` so the registry's other files can share them.
 */
import type { MetricSpec, Target } from './index.js';

/** Messages (published or acknowledged) per second, with an optional target. */
export const throughput = (target: Target | undefined): MetricSpec => ({
  key: 'msgsPerSec',
  label: 'throughput',
  unit: 'msg/s',
  better: 'higher',
  ...(target === undefined ? {} : { target }),
});
/** At least MQTT.js's median, or within the spread where the broker is the bottleneck. */
export const atLeastAsFast: Target = { op: '>=', ratio: 1, withinSpread: true };
/** Messages a publisher saw acknowledged that no subscriber got (the broker dropped them). */
export const lostAfterAck = (target?: Target): MetricSpec => ({
  key: 'lost',
  label: 'acknowledged but never delivered',
  unit: 'msgs',
  better: 'lower',
  range: 'nonNegative',
  ...(target === undefined ? {} : { target }),
});
/** Not one message lost, in every run. */
export const noneLost: Target = { op: '<=', value: 0 };
/** Messages that reached a subscriber per second of publishing: throughput net of what the broker dropped. */
export const delivered = (target?: Target): MetricSpec => ({
  key: 'deliveredPerSec',
  label: 'delivered to a subscriber',
  unit: 'msg/s',
  better: 'higher',
  range: 'nonNegative',
  ...(target === undefined ? {} : { target }),
});
