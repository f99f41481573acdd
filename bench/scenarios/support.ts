/**
 * Helpers shared by the scenarios. Every wait that is not on a client callback polls with a
 * timer rather than `setImmediate`, so waiting costs (almost) no CPU in the CPU-time scenario.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { generate } from 'mqtt-packet';
import type { BenchClient, ClientKind, CreateClient, QoS } from '../clients/types.js';

/** What every scenario module exports: run once in a fresh process, return named numbers. */
export type Scenario<P> = (client: ClientKind, params: P, port: number) => Promise<Metrics>;

/** A scenario's measurements, by metric key. */
export type Metrics = Record<string, number>;

/** Milliseconds with sub-millisecond resolution, from an arbitrary origin. */
export const now = (): number => performance.now();

/** The payload of the throughput and latency scenarios: 64 bytes, a typical small telemetry message. */
export const PAYLOAD: Buffer = Buffer.alloc(64, 0x61);

/**
 * Messages published back to back before yielding to the event loop. Yielding lets the socket
 * flush and, in one-process scenarios, the subscriber read; both clients get the same cadence.
 */
const BATCH = 100;
/** Publishing pauses while the socket holds more than this (both libraries buffer without limit). */
const HIGH_WATER_BYTES = 64 * 1024;

/** A topic no other run uses, so a late message from an earlier process cannot be counted. */
export function uniqueTopic(scenario: string): string {
  return `bench/${scenario}/${randomBytes(4).toString('hex')}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Resolves once `predicate` holds, checking every millisecond; rejects after `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = now() + timeoutMs;
  while (!predicate()) {
    if (now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(1);
  }
}

/** Publishes `count` QoS 0 messages in batches, pausing while the socket buffer is above its mark. */
export async function pump(
  client: BenchClient,
  topic: string,
  count: number,
  payload = PAYLOAD,
): Promise<void> {
  for (let sent = 0; sent < count; ) {
    const end = Math.min(count, sent + BATCH);
    for (; sent < end; sent++) client.publish(topic, payload, 0);
    if (client.bufferedBytes() > HIGH_WATER_BYTES) {
      await until(() => client.bufferedBytes() <= HIGH_WATER_BYTES, 60_000, 'the socket to drain');
    } else {
      await nextTurn();
    }
  }
}

/** Resolves once the client's socket buffer is empty. */
export function flushed(client: BenchClient): Promise<void> {
  return until(() => client.bufferedBytes() === 0, 60_000, 'the socket to flush');
}

/** Publishes with the given QoS and resolves when the library reports completion. */
export function publishAndWait(client: BenchClient, topic: string, payload: Buffer, qos: QoS): Promise<void> {
  return new Promise((resolve, reject) =>
    client.publish(topic, payload, qos, (error) => (error === undefined ? resolve() : reject(error))),
  );
}

/** The `p`-th percentile (0..100) of ascending `sorted`, nearest-rank. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error('percentile of no samples');
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** A deterministic uniform [0, 1) source (mulberry32), so both clients see the same "random" pauses. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** `promise`, or a rejection with `message` after `ms` (the timer is cleared either way). */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/**
 * Connection handshakes outstanding at once when connecting many clients. mosquitto listens with
 * a backlog of 100; beyond it the kernel drops SYNs and the client's TCP retries after a second,
 * which would time the retransmit timer instead of the clients.
 */
const CONCURRENT_CONNECTS = 50;

/** Creates `count` clients, at most {@link CONCURRENT_CONNECTS} connecting at a time; resolves when all are up. */
export async function connectMany(create: CreateClient, port: number, count: number): Promise<BenchClient[]> {
  const clients: BenchClient[] = [];
  const startNext = async (): Promise<void> => {
    while (clients.length < count) {
      const client = create({ port });
      clients.push(client);
      await client.ready;
    }
  };
  await Promise.all(Array.from({ length: Math.min(count, CONCURRENT_CONNECTS) }, startNext));
  return clients;
}

/**
 * The CONNECT of the harness's bare sockets (counting subscriber, restart probe, publisher):
 * MQTT 3.1.1, clean session, a broker-assigned client id, no keep-alive.
 */
export function bareConnect(): Buffer {
  return generate({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    clientId: '',
    keepalive: 0,
  });
}

/**
 * Collects until nothing more is freed (a few rounds let weak references and finalizers go).
 * @param scenario - Named in the error when node runs without `--expose-gc`.
 */
export async function collectGarbage(scenario: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error(`the ${scenario} scenario needs node --expose-gc`);
  for (let i = 0; i < 4; i++) {
    gc();
    await sleep(10);
  }
}
