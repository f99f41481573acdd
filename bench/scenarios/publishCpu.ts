/**
 * CPU time (user + system, this process only) spent publishing QoS 0 messages with nobody
 * subscribed, normalised to 100,000 publishes. Waiting for the socket to drain is idle time.
 */
import { loadClient } from '../clients/types.js';
import { flushed, pump, type Scenario, uniqueTopic } from './support.js';

export interface PublishCpuParams {
  /** Messages published in the measured window. */
  readonly messages: number;
  /** Messages published before it, so the JIT has compiled the hot path. */
  readonly warmup: number;
}

export const run: Scenario<PublishCpuParams> = async (kind, params, port) => {
  const create = await loadClient(kind);
  const topic = uniqueTopic('cpu');
  const client = create({ port });
  await client.ready;
  await pump(client, topic, params.warmup);
  await flushed(client);

  const before = process.cpuUsage();
  await pump(client, topic, params.messages);
  await flushed(client);
  const used = process.cpuUsage(before);

  await client.end();
  const cpuMs = (used.user + used.system) / 1000;
  return { cpuMsPer100k: (cpuMs * 100_000) / params.messages };
};
