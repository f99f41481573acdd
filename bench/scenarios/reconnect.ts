/**
 * Recovery after a broker crash: the time from the restarted broker accepting TCP again to the
 * client being reconnected, re-subscribed and receiving. The scenario owns its own mosquitto
 * (same binary and configuration as the shared one) because it kills and restarts it.
 *
 * Each cycle: kill the broker, wait until the client noticed, stay down for a pause, restart.
 * A probe connects every millisecond; its first success is "accepting again", and it publishes a
 * retained message there, which the broker hands to the client as soon as it re-subscribes.
 * The pauses come from a fixed seed, so both clients meet the restart at the same retry phase.
 */
import * as net from 'node:net';
import { generate } from 'mqtt-packet';
import { startBenchBroker } from '../broker.js';
import { HOST, loadClient } from '../clients/types.js';
import { bareConnect, now, type Scenario, seededRandom, sleep, uniqueTopic, withTimeout } from './support.js';

export interface ReconnectParams {
  /** Kill/restart cycles averaged. */
  readonly cycles: number;
  /** The fixed retry interval of both clients, in ms. */
  readonly retryMs: number;
  /** Shortest time the broker stays down; a seeded share of `retryMs` is added. */
  readonly downMs: number;
  /** How long one cycle may take before the scenario fails. */
  readonly timeoutMs: number;
}

/** A connection to the restarted broker that published the cycle's retained message. */
export interface Probe {
  readonly acceptedAt: number;
  close(): void;
}

/** Connects every millisecond until the broker accepts, then publishes `payload` retained on `topic`. */
export function probe(port: number, topic: string, payload: string, deadline: number): Promise<Probe> {
  const packets = Buffer.concat([
    bareConnect(),
    generate({ cmd: 'publish', topic, payload, qos: 0, retain: true, dup: false }),
  ]);
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const socket = net.connect({ host: HOST, port, noDelay: true });
      socket.once('connect', () => {
        const acceptedAt = now();
        socket.on('error', () => {});
        socket.write(packets);
        resolve({ acceptedAt, close: () => socket.destroy() });
      });
      socket.once('error', () => {
        socket.destroy();
        if (now() > deadline) reject(new Error('the broker did not accept connections again'));
        else setTimeout(attempt, 1);
      });
    };
    attempt();
  });
}

export const run: Scenario<ReconnectParams> = async (kind, params) => {
  const create = await loadClient(kind);
  const broker = await startBenchBroker();
  try {
    const topic = uniqueTopic('reconnect');
    const client = create({ port: broker.port, retryMs: params.retryMs });
    await client.ready;
    let onPayload: ((text: string) => void) | undefined;
    client.onMessage((_topic, payload) => onPayload?.(Buffer.from(payload).toString('utf8')));
    await client.subscribe(topic, 0);

    const pause = seededRandom(0x5eed);
    let total = 0;
    for (let cycle = 0; cycle < params.cycles; cycle++) {
      const lost = client.nextDisconnect();
      await broker.kill();
      await lost;
      await sleep(params.downMs + pause() * params.retryMs);

      const expected = `cycle-${cycle}`;
      const received = new Promise<number>((resolve) => {
        onPayload = (text) => {
          if (text === expected) resolve(now());
        };
      });
      const accepted = probe(broker.port, topic, expected, now() + params.timeoutMs);
      const restarted = broker.restart();
      // Awaited below; this only keeps a failure from being reported as unhandled meanwhile.
      restarted.catch(() => {});
      const { acceptedAt, close } = await accepted;
      const receivedAt = await withTimeout(
        received,
        params.timeoutMs,
        `cycle ${cycle}: no message ${params.timeoutMs} ms after the broker came back`,
      );
      await restarted;
      close();
      total += receivedAt - acceptedAt;
    }
    await client.end();
    return { recoveryMs: total / params.cycles };
  } finally {
    await broker.stop();
  }
};
