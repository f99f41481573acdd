/** A Mongoose facade configured for a fresh aedes, for the adapter tests. */
import type { AedesOptions } from 'aedes';
import { loadMongooseConfig } from '../../adapters/mongoose/config.js';
import { type HandlerErrorReporter, MongooseMqtt } from '../../adapters/mongoose/index.js';
import { type MongooseConfig, mongooseClientOptions } from '../../adapters/mongoose/options.js';
import { nodeTransport } from '../../adapters/transports/node.js';
import { type AedesHandle, startAedes } from './brokers.js';
import type { Defer } from './cleanups.js';
import { checkedValidator } from './integration.js';
import { validatingTransport, validatorOptionsFor } from './wireCheck.js';

/** Options of {@link startFacade}. */
export interface FacadeSetup {
  /** Fields of the `mqtt` config section, over `enable`, the broker's `server` and a 10 ms retry min. */
  readonly mqtt?: Readonly<Record<string, unknown>>;
  /** Options of the aedes instance (authentication hooks, ...). @default aedes defaults */
  readonly aedes?: AedesOptions;
  /** Receives what a user handler threw. @default the facade's own (console.error) */
  readonly onHandlerError?: HandlerErrorReporter;
}

/**
 * Starts aedes and a facade whose `mqtt` section points at it, not yet connected; `defer`
 * registers their teardown (the facade's disconnect first, as it was made last).
 */
export async function startFacade(
  defer: Defer,
  { mqtt = {}, aedes, onHandlerError }: FacadeSetup = {},
): Promise<{ broker: AedesHandle; facade: MongooseMqtt }> {
  const broker = await startAedes(aedes ? { aedes } : {});
  defer(() => broker.close());
  // A 10 ms minimum retry delay: reconnect scenarios would otherwise wait out Mongoose's seconds.
  const config = loadMongooseConfig({
    mqtt: { enable: true, server: `127.0.0.1:${broker.port}`, reconnect_timeout_min: 0.01, ...mqtt },
  });
  const facade = new MongooseMqtt({
    config,
    clientOptions: checkedFacadeOptions(defer, config),
    ...(onHandlerError ? { onHandlerError } : {}),
  });
  defer(() => facade.globalDisconnect());
  return { broker, facade };
}

/**
 * Client options for a facade built from `config` whose transport is checked by a wire validator
 * that fails the test at teardown (spec R225); make it before the facade's own teardown is deferred.
 */
export function checkedFacadeOptions(
  defer: Defer,
  config: MongooseConfig,
): { transport: ReturnType<typeof validatingTransport> } {
  const validator = checkedValidator(defer, {
    ...validatorOptionsFor(mongooseClientOptions(config)),
    label: 'the facade',
  });
  return { transport: validatingTransport(nodeTransport, validator) };
}
