/**
 * CPU per 100,000 QoS 0 publishes of the embedded client (spec R177): an app machine invokes
 * `mqttClientLogic` and publishes by `mqtt.publish` commands, quiet ones (the hot path: the
 * target) and answered ones (each answer an event the app handles); against
 * `MqttClient.publishNow` in the same worker, the three measured in rotating order so JIT and
 * machine drift hit all alike.
 */

import { createEmbeddedClient, createPlainClient } from '../clients/embedded.js';
import type { BenchClient } from '../clients/types.js';
import { flushed, pump, type Scenario, uniqueTopic } from './support.js';

export interface EmbeddedPublishCpuParams {
  /** Messages published in each measured window. */
  readonly messages: number;
  /** Messages published before, so the JIT has compiled both paths. */
  readonly warmup: number;
  /** Measured windows per client (alternating). */
  readonly rounds: number;
}

async function cpuOf(client: BenchClient, topic: string, messages: number): Promise<number> {
  // The garbage of the window before (answers make plenty) must not be collected in this one.
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.cpuUsage();
  await pump(client, topic, messages);
  await flushed(client);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

export const run: Scenario<EmbeddedPublishCpuParams> = async (_kind, params, port) => {
  const topic = uniqueTopic('embedded-cpu');
  const clients: readonly BenchClient[] = [
    createPlainClient({ port }),
    createEmbeddedClient({ port }, 'quiet'),
    createEmbeddedClient({ port }, 'answered'),
  ];
  await Promise.all(clients.map((c) => c.ready));
  for (const client of clients) {
    await pump(client, topic, params.warmup);
    await flushed(client);
  }
  const ms = clients.map(() => 0);
  for (let round = 0; round < params.rounds; round++) {
    // A B C, B C A, ...: none always goes first.
    for (let k = 0; k < clients.length; k++) {
      const i = (round + k) % clients.length;
      ms[i] = (ms[i] as number) + (await cpuOf(clients[i] as BenchClient, topic, params.messages));
    }
  }
  await Promise.all(clients.map((c) => c.end()));
  const [plainMs, quietMs, answeredMs] = ms as [number, number, number];
  const per100k = (total: number) => (total * 100_000) / (params.messages * params.rounds);
  return {
    cpuMsPer100k: per100k(quietMs),
    answeredCpuMsPer100k: per100k(answeredMs),
    clientCpuMsPer100k: per100k(plainMs),
    vsClient: quietMs / plainMs,
    answeredVsClient: answeredMs / plainMs,
  };
};
