/**
 * Memory per idle connected client: heap and RSS growth of one process after connecting many
 * clients, measured after full garbage collections. Needs node's `--expose-gc`.
 */
import { loadClient } from '../clients/types.js';
import { collectGarbage, connectMany, type Scenario, sleep } from './support.js';

export interface IdleMemoryParams {
  /** Clients connected. */
  readonly clients: number;
  /** Idle time after the last CONNACK before measuring, so connect-time garbage is gone. */
  readonly settleMs: number;
  /**
   * Clients connected and closed before the baseline: loads lazy modules, compiles the connect
   * path and lets V8 size its young generation, none of which is a per-client cost.
   */
  readonly warmupClients: number;
}

export const run: Scenario<IdleMemoryParams> = async (kind, params, port) => {
  const create = await loadClient(kind);
  await Promise.all((await connectMany(create, port, params.warmupClients)).map((c) => c.end()));
  await sleep(params.settleMs);

  await collectGarbage('idle-memory');
  const before = process.memoryUsage();
  const clients = await connectMany(create, port, params.clients);
  await sleep(params.settleMs);
  await collectGarbage('idle-memory');
  const after = process.memoryUsage();

  await Promise.all(clients.map((c) => c.end()));
  return {
    heapPerClient: (after.heapUsed - before.heapUsed) / params.clients,
    rssPerClient: (after.rss - before.rss) / params.clients,
  };
};
