/**
 * One measurement in a fresh process: `node worker.js '<request JSON>'` (compiled by
 * `build.ts`; `node --import tsx bench/worker.ts` works too, for profiling the source) runs one
 * scenario with one client and prints its metrics as one JSON line on stdout. A fresh process per
 * measurement keeps JIT state, heap and sockets of one run from colouring the next.
 */
import type { ClientKind } from './clients/types.js';
import { scenarioById } from './scenarios/index.js';
import type { Metrics, Scenario } from './scenarios/support.js';

/** What the runner asks a worker to do. */
export interface WorkerRequest {
  readonly scenario: string;
  readonly client: ClientKind;
  readonly params: object;
  /** The shared broker's port. */
  readonly port: number;
}

/** What a worker prints. */
export type WorkerReply =
  | { readonly ok: true; readonly metrics: Metrics }
  | { readonly ok: false; readonly error: string };

async function main(): Promise<WorkerReply> {
  const argument = process.argv[2];
  if (argument === undefined) throw new Error('usage: worker.ts <request JSON>');
  const request = JSON.parse(argument) as WorkerRequest;
  // The registry types each module with its own parameters; the runner took them from the same entry.
  const run = (await scenarioById(request.scenario).load()) as Scenario<object>;
  return { ok: true, metrics: await run(request.client, request.params, request.port) };
}

main().then(
  (reply) => {
    process.stdout.write(`${JSON.stringify(reply)}\n`);
    // Lingering handles (a client's close grace timer, a socket in TIME_WAIT) must not delay the next run.
    process.exit(0);
  },
  (error: unknown) => {
    const reply: WorkerReply = {
      ok: false,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    };
    process.stdout.write(`${JSON.stringify(reply)}\n`);
    process.exit(1);
  },
);
