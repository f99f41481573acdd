/**
 * Issue 14's rows: QoS 1 and QoS 2 over MQTT 5 beside the 3.1.1 rows, and subscriptions at scale
 * (the heap each subscription holds and the CPU each inbound message costs with 1k, 10k and 50k
 * filters; spec R330-R332). The subscribe and resubscribe times at 50k filters are the
 * `subscribe-many-*` rows of `index.ts`.
 */
import type { ScenarioSpec } from './index.js';
import { atLeastAsFast, delivered, lostAfterAck, noneLost, throughput } from './metricSpecs.js';

/** Filter counts of the scale rows. */
const SCALES = [1_000, 10_000, 50_000] as const;

const mqtt5Rows = ([1, 2] as const).map((qos): ScenarioSpec => {
  const ack = qos === 1 ? 'PUBACK' : 'PUBCOMP';
  return {
    id: `qos${qos}-throughput-v5`,
    title: `MQTT 5: QoS ${qos} publish throughput, 1,000 outstanding, until every ${ack} (defaults, stock mosquitto)`,
    load: async () => (await import('./throughputAcked.js')).run,
    params: {
      small: { qos, messages: 2_000, outstanding: 100, protocolVersion: 5, countRefused: true },
      full: {
        qos,
        messages: qos === 1 ? 100_000 : 50_000,
        outstanding: 1_000,
        protocolVersion: 5,
        countRefused: true,
      },
    },
    metrics: [
      throughput(atLeastAsFast),
      delivered(atLeastAsFast),
      lostAfterAck(noneLost),
      {
        key: 'refused',
        label: 'refused by the broker (PUBACK / PUBREC reason >= 0x80)',
        unit: 'msgs',
        better: 'lower',
        range: 'nonNegative',
        target: noneLost,
      },
    ],
    broker: 'stock',
  };
});

const scaleRows = SCALES.flatMap((filters): ScenarioSpec[] =>
  ([false, true] as const).map(
    (routed): ScenarioSpec => ({
      id: `${routed ? 'routed' : 'subscriptions'}-${filters}`,
      title: routed
        ? `${filters.toLocaleString('en')} filters, one consumer each through the topic trie (addTopicObserver): heap and receive CPU (mqtt-lifeline only)`
        : `${filters.toLocaleString('en')} filters subscribed in one call, one message listener: heap and receive CPU`,
      load: async () => (await import('./subscriptionScale.js')).run,
      params: {
        small: { filters: 100, messages: 500, warmup: 100, routed },
        full: { filters, messages: 20_000, warmup: 5_000, routed },
      },
      metrics: [
        {
          key: 'heapPerFilter',
          label: 'heap per subscription',
          unit: 'bytes',
          better: 'lower',
          range: 'any',
        },
        { key: 'cpuUsPerMsg', label: 'CPU per inbound message (user + system)', unit: 'µs', better: 'lower' },
      ],
      nodeFlags: ['--expose-gc'],
      ...(routed ? { clients: ['lifeline'] as const } : {}),
    }),
  ),
);

/** Issue 14's scenarios, in report order. */
export const ISSUE14_SCENARIOS: readonly ScenarioSpec[] = [...mqtt5Rows, ...scaleRows];
