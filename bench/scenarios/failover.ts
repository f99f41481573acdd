/**
 * Failover on a real broker cluster (issue 16, spec R285): three aedes nodes sharing sessions and
 * routing through Redis (test/support/cluster.ts), the client given all three as servers. Each
 * cycle SIGKILLs the node the client is connected to (read from the nodes' own `conn` lines, the
 * same way for both libraries) and times the kill until the client is connected again, to any
 * node; the killed node stays down until then, and is started again before the next cycle.
 *
 * Both libraries keep their defaults unless the parameters say otherwise: mqtt-lifeline retries
 * the server in use on its schedule and moves to the next one once the schedule reaches its
 * maximum (spec R13); MQTT.js takes the next server of its list on every reconnect.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'mqtt';
import { MqttClient } from '../../adapters/node.js';
import { type ClusterLine, startCluster } from '../../test/support/cluster.js';
import { HOST } from '../clients/types.js';
import { now, percentile, type Scenario, withTimeout } from './support.js';

export interface FailoverParams {
  /** Kills timed in one run. */
  readonly cycles: number;
  /**
   * mqtt-lifeline's retry schedule, applied to every server (`minDelayMs`, `maxDelayMs`).
   * @default its defaults (2 s and 60 s)
   */
  readonly lifelineDelayMs?: { readonly min: number; readonly max: number };
  /**
   * MQTT.js's `reconnectPeriod`.
   * @default its default (1 s)
   */
  readonly mqttjsReconnectMs?: number;
  /** How long one failover may take before the scenario fails. */
  readonly timeoutMs: number;
}

/** The client, reduced to "connected again" and "end". */
interface FailoverClient {
  /** Resolves on the next completed connection (CONNACK). */
  nextConnected(): Promise<void>;
  end(): void;
}

function lifeline(ports: readonly number[], clientId: string, params: FailoverParams): FailoverClient {
  const delays =
    params.lifelineDelayMs === undefined
      ? {}
      : { minDelayMs: params.lifelineDelayMs.min, maxDelayMs: params.lifelineDelayMs.max };
  const client = new MqttClient({
    servers: ports.map((port) => ({ host: HOST, port, clientId, ...delays })),
  });
  const waiting: (() => void)[] = [];
  client.lifecycle.onLifecycle((event) => {
    if (event.type === 'connected') for (const resolve of waiting.splice(0)) resolve();
  });
  client.connect();
  return {
    nextConnected: () => new Promise((resolve) => waiting.push(resolve)),
    end: () => client.disconnect(),
  };
}

function mqttjs(ports: readonly number[], clientId: string, params: FailoverParams): FailoverClient {
  const client = connect({
    servers: ports.map((port) => ({ host: HOST, port })),
    clientId,
    protocolVersion: 4,
    ...(params.mqttjsReconnectMs === undefined ? {} : { reconnectPeriod: params.mqttjsReconnectMs }),
  });
  client.on('error', () => {});
  return {
    nextConnected: () => new Promise((resolve) => client.once('connect', () => resolve())),
    end: () => client.end(true),
  };
}

/** The node whose last `conn` line names `clientId`: the one the client is connected to. */
function nodeOf(lines: readonly ClusterLine[], clientId: string): number {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] as ClusterLine;
    if (line.text.startsWith('conn ') && line.text.split(' ')[2] === clientId) return line.node;
  }
  throw new Error(`no node saw client ${clientId}`);
}

export const run: Scenario<FailoverParams> = async (kind, params) => {
  const cluster = await startCluster();
  try {
    const clientId = `failover-${randomBytes(4).toString('hex')}`;
    const make = kind === 'lifeline' ? lifeline : mqttjs;
    let client: FailoverClient | undefined;
    const first = new Promise<void>((resolve) => {
      client = make(cluster.ports, clientId, params);
      client.nextConnected().then(resolve);
    });
    await withTimeout(first, params.timeoutMs, 'the client did not connect');
    const samples: number[] = [];
    for (let cycle = 0; cycle < params.cycles; cycle++) {
      const node = nodeOf(cluster.lines, clientId);
      const back = client?.nextConnected() as Promise<void>;
      const killedAt = now();
      await cluster.kill(node);
      await withTimeout(
        back,
        params.timeoutMs,
        `cycle ${cycle}: not connected again within ${params.timeoutMs} ms`,
      );
      samples.push(now() - killedAt);
      await cluster.start(node);
    }
    client?.end();
    const sorted = samples.sort((a, b) => a - b);
    return { failoverMs: percentile(sorted, 50), failoverP95Ms: percentile(sorted, 95) };
  } finally {
    await cluster.close();
  }
};
