/**
 * Subscriptions at scale (issue 14, spec R330-R331): with N filters subscribed, the heap each
 * subscription holds and the CPU each inbound message costs.
 *
 * - `heapPerFilter`: heap growth from the connected client to the same client with N filters
 *   granted, after forced garbage collections, divided by N (the library's list subscribe, or
 *   with `routed` one topic consumer per filter).
 * - `cpuUsPerMsg`: CPU time (user + system, this process) from the first PUBLISH written by a bare
 *   publisher socket to the last message reaching the handler, per message. Each message goes to
 *   a different filter's topic, round robin over all N. Without `routed` the handler is the
 *   library's one message listener (MQTT.js routes nothing); with `routed` (mqtt-lifeline only)
 *   every message goes through the client's topic trie to the consumer of its filter. The
 *   publisher's packets are encoded before the clock starts; what the socket costs it is the same
 *   for both clients.
 */
import * as net from 'node:net';
import { generate } from 'mqtt-packet';
import { HOST, loadClient } from '../clients/types.js';
import { bareConnect, collectGarbage, PAYLOAD, type Scenario, uniqueTopic, withTimeout } from './support.js';

export interface SubscriptionScaleParams {
  /** Filters subscribed. */
  readonly filters: number;
  /** Messages received in the measured window. */
  readonly messages: number;
  /** Messages received before it, so the JIT has compiled the receive path. */
  readonly warmup: number;
  /**
   * One consumer per filter through mqtt-lifeline's topic trie instead of one message listener.
   * @default false
   */
  readonly routed?: boolean;
}

/** A bare MQTT 3.1.1 connection that writes pre-encoded packets. */
async function publisher(port: number): Promise<{ write(packets: Buffer): void; close(): void }> {
  const socket = net.connect({ host: HOST, port, noDelay: true });
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(bareConnect());
  return { write: (packets) => socket.write(packets), close: () => socket.destroy() };
}

export const run: Scenario<SubscriptionScaleParams> = async (kind, params, port) => {
  const create = await loadClient(kind);
  const base = uniqueTopic('subscription-scale');
  const topics = Array.from({ length: params.filters }, (_, i) => `${base}/${i}/cmd`);
  const client = create({ port });
  await client.ready;

  // The handler resolves the wait itself: polling would spend CPU inside the measured window.
  let received = 0;
  let target = Number.POSITIVE_INFINITY;
  let reached = (): void => {};
  const count = (): void => {
    if (++received === target) reached();
  };
  const arrived = (n: number, what: string): Promise<void> =>
    withTimeout(
      new Promise<void>((resolve) => {
        target = n;
        reached = resolve;
        if (received >= n) resolve();
      }),
      60_000,
      what,
    );
  await collectGarbage('subscription-scale');
  const before = process.memoryUsage().heapUsed;
  if (params.routed === true) {
    if (client.route === undefined) throw new Error(`${kind} has no per-filter routing`);
    await client.route(topics, 0, count);
  } else {
    await client.subscribeMany(topics, 0);
    client.onMessage(count);
  }
  await collectGarbage('subscription-scale');
  const heapPerFilter = (process.memoryUsage().heapUsed - before) / params.filters;

  const encode = (from: number, n: number): Buffer =>
    Buffer.concat(
      Array.from({ length: n }, (_, k) =>
        generate({
          cmd: 'publish',
          topic: topics[(from + k) % topics.length] as string,
          payload: PAYLOAD,
          qos: 0,
          retain: false,
          dup: false,
        }),
      ),
    );
  const pub = await publisher(port);
  const warm = encode(0, params.warmup);
  const measured = encode(params.warmup, params.messages);
  const warmed = arrived(params.warmup, 'the warm-up messages never all arrived');
  pub.write(warm);
  await warmed;
  const done = arrived(params.warmup + params.messages, 'the measured messages never all arrived');
  const cpu = process.cpuUsage();
  pub.write(measured);
  await done;
  const used = process.cpuUsage(cpu);
  pub.close();
  await client.end();
  return { heapPerFilter, cpuUsPerMsg: (used.user + used.system) / params.messages };
};
