/**
 * A {@link TransportFactory} that picks the transport by the target's scheme (spec R70): the one
 * place where `mqtt://`, `mqtts://`, `ws://` and `wss://` meet their runtimes. Each entry point
 * builds one with the transports its runtime has (Node: all four; a browser: WebSocket only).
 */
import type { TransportFactory, TransportScheme } from '../../runtime/ports.js';
import { transportFailure } from './errors.js';

/** The factories by scheme; a missing scheme fails each attempt with `UNSUPPORTED_SCHEME`. */
export type SchemeFactories = Partial<Readonly<Record<TransportScheme, TransportFactory>>>;

/**
 * Makes a factory that dispatches on `target.scheme` (default `mqtt`).
 *
 * @param factories - The transport for each scheme this runtime supports.
 * @param runtime - Named in the error for a scheme without a transport (for example `the browser`).
 */
export function transportByScheme(factories: SchemeFactories, runtime: string): TransportFactory {
  return (target, handlers) => {
    const scheme = target.scheme ?? 'mqtt';
    const factory = factories[scheme];
    if (factory !== undefined) return factory(target, handlers);
    // A configuration error the runtime cannot see in advance (it does not know the runtime's
    // transports): report it through the contract, like any failed connect.
    return transportFailure(handlers, {
      code: 'TRANSPORT_ERROR',
      reason: 'UNSUPPORTED_SCHEME',
      message: `${scheme}:// is not available in ${runtime} (available: ${Object.keys(factories).join(', ')})`,
    });
  };
}
