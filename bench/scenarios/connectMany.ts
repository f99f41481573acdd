/**
 * Time to connect many clients, from the first constructor call to the last CONNACK, with a
 * bounded number of handshakes in flight (see {@link connectMany}).
 */
import { loadClient } from '../clients/types.js';
import { connectMany, now, type Scenario } from './support.js';

export interface ConnectManyParams {
  /** Clients connected. */
  readonly clients: number;
}

export const run: Scenario<ConnectManyParams> = async (kind, params, port) => {
  const create = await loadClient(kind);
  // One connection first, so module loading and first-call compilation are not timed.
  const warm = create({ port });
  await warm.ready;
  await warm.end();

  const start = now();
  const clients = await connectMany(create, port, params.clients);
  const connectMs = now() - start;

  await Promise.all(clients.map((c) => c.end()));
  return { connectMs };
};
