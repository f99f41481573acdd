/**
 * MQTT 5 topic aliases (spec R250): bytes written and CPU time per QoS 0 publish with the default
 * aliases and with `outboundTopicAliases: 0`, over 8 topics of 44-45 bytes (a fleet's telemetry
 * shape) to a mosquitto announcing Topic Alias Maximum 10. The two clients publish in alternating
 * windows so JIT and machine drift hit both alike (mqtt-lifeline only: MQTT.js's aliases are off
 * by default).
 */

import { MqttClient } from '../../adapters/node.js';
import { createV5Profile } from '../../runtime/profileV5.js';
import { countingTransport } from '../clients/countingTransport.js';
import { HOST } from '../clients/types.js';
import { PAYLOAD, type Scenario, uniqueTopic, until } from './support.js';

export interface TopicAliasParams {
  /** Messages published in each measured window. */
  readonly messages: number;
  /** Messages published before, so the JIT has compiled both paths. */
  readonly warmup: number;
  /** Measured windows per client (alternating). */
  readonly rounds: number;
}

const HIGH_WATER = 1 << 20;

interface Measured {
  readonly client: MqttClient;
  readonly written: () => number;
}

async function start(port: number, aliases: boolean): Promise<Measured> {
  const { transport, written } = countingTransport();
  const client = new MqttClient({
    servers: [{ host: HOST, port }],
    protocolVersion: 5,
    transport,
    ...(aliases ? {} : { mqtt5: createV5Profile({ outboundTopicAliases: 0 }) }),
  });
  const connected = new Promise<void>((resolve) => {
    const off = client.onEvent((e) => {
      if (e.type !== 'connected') return;
      off();
      resolve();
    });
  });
  client.connect();
  await connected;
  return { client, written };
}

async function pump(m: Measured, topics: readonly string[], count: number): Promise<void> {
  const client = m.client;
  for (let sent = 0; sent < count; ) {
    const end = Math.min(count, sent + 256);
    for (; sent < end; sent++) client.publishNow(topics[sent & 7] as string, PAYLOAD, 0, false);
    if (client.lifecycle.bufferedBytes > HIGH_WATER) {
      await until(() => client.lifecycle.bufferedBytes <= HIGH_WATER, 60_000, 'the socket to drain');
    } else await new Promise((resolve) => setImmediate(resolve));
  }
  await until(() => client.lifecycle.bufferedBytes === 0, 60_000, 'the socket to flush');
}

export const run: Scenario<TopicAliasParams> = async (_kind, params, port) => {
  const base = uniqueTopic('alias');
  const topics = [...Array(8).keys()].map((i) => `${base}/site-0042/line-07/sensor-${i}/value`);
  const clients = [await start(port, true), await start(port, false)] as const;
  for (const m of clients) await pump(m, topics, params.warmup);
  const cpu = [0, 0];
  const bytes = [0, 0];
  for (let round = 0; round < params.rounds; round++) {
    for (let k = 0; k < 2; k++) {
      const i = (round + k) % 2;
      const m = clients[i] as Measured;
      const before = process.cpuUsage();
      const written = m.written();
      await pump(m, topics, params.messages);
      const used = process.cpuUsage(before);
      cpu[i] = (cpu[i] as number) + (used.user + used.system) / 1000;
      bytes[i] = (bytes[i] as number) + m.written() - written;
    }
  }
  await Promise.all(clients.map((m) => m.client.disconnect()));
  const total = params.messages * params.rounds;
  const [aliasCpu, plainCpu] = cpu as [number, number];
  const [aliasBytes, plainBytes] = bytes as [number, number];
  return {
    bytesPerMsg: aliasBytes / total,
    plainBytesPerMsg: plainBytes / total,
    cpuMsPer100k: (aliasCpu * 100_000) / total,
    plainCpuMsPer100k: (plainCpu * 100_000) / total,
    cpuVsPlain: aliasCpu / plainCpu,
  };
};
