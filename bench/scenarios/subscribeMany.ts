/**
 * Many subscriptions (spec R163-R164): the time to subscribe a list of filters in one call, and
 * after a broker crash the time from the restarted broker accepting TCP again to the client
 * receiving on the last filter of its re-subscription (a retained message the probe publishes
 * there, which arrives once that filter's SUBSCRIBE is processed). Owns its broker: it kills it.
 */
import { startBenchBroker } from '../broker.js';
import { loadClient } from '../clients/types.js';
import { probe } from './reconnect.js';
import { now, type Scenario, sleep, uniqueTopic, withTimeout } from './support.js';

export interface SubscribeManyParams {
  /** How many filters. */
  readonly filters: number;
  /** The fixed retry interval of both clients, in ms. */
  readonly retryMs: number;
  /** How long the broker stays down. */
  readonly downMs: number;
  /** How long each phase may take before the scenario fails. */
  readonly timeoutMs: number;
}

export const run: Scenario<SubscribeManyParams> = async (kind, params) => {
  const create = await loadClient(kind);
  const broker = await startBenchBroker();
  try {
    const base = uniqueTopic('subscribe-many');
    const filters = Array.from({ length: params.filters }, (_, i) => `${base}/${i}/cmd`);
    const last = filters[filters.length - 1] as string;
    const client = create({ port: broker.port, retryMs: params.retryMs });
    await client.ready;
    const t0 = now();
    await withTimeout(client.subscribeMany(filters, 0), params.timeoutMs, 'the first subscription');
    const subscribeMs = now() - t0;

    let onPayload: ((text: string) => void) | undefined;
    client.onMessage((_topic, payload) => onPayload?.(Buffer.from(payload).toString('utf8')));
    const lost = client.nextDisconnect();
    await broker.kill();
    await lost;
    await sleep(params.downMs);
    const received = new Promise<number>((resolve) => {
      onPayload = (text) => {
        if (text === 'back') resolve(now());
      };
    });
    const accepted = probe(broker.port, last, 'back', now() + params.timeoutMs);
    const restarted = broker.restart();
    restarted.catch(() => {});
    const { acceptedAt, close } = await accepted;
    const receivedAt = await withTimeout(
      received,
      params.timeoutMs,
      'no message on the last filter after the restart',
    );
    await restarted;
    close();
    await client.end();
    return { subscribeMs, resubscribeMs: receivedAt - acceptedAt };
  } finally {
    await broker.stop();
  }
};
