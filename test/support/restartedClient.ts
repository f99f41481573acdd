/**
 * The client of the children that a parent SIGKILLs and starts again (the store crash test's
 * publisher, the soak's peer): a file store with `clean: false`, so a new process resumes the
 * session, and the process's own wire check, which cannot know the packet ids a restored store
 * used before, printing each violation as a `WIRE` line (spec R226).
 *
 * @module
 */
import { MqttClient } from '../../adapters/node.js';
import { type FileStore, openFileStore } from '../../adapters/stores/file.js';
import type { MqttClientOptions } from '../../runtime/client.js';
import { sayViolation } from './childIo.js';
import { withWireCheck } from './wireCheck.js';
import { WireValidator } from './wireValidator.js';

/** Where a restarted child connects and keeps its session. */
export interface RestartedServer {
  readonly port: number;
  /** The file store's path, the same across the child's runs. */
  readonly store: string;
  readonly clientId: string;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * A client on `127.0.0.1:port` over the file store at `server.store`, with the rest of its options
 * from `options` (the store is added to `options.session`). Returns the store too, for closing.
 */
export function restartedClient(
  server: RestartedServer,
  options: Omit<MqttClientOptions, 'servers'>,
): { readonly client: MqttClient; readonly store: FileStore } {
  const store = openFileStore(server.store);
  const validator = new WireValidator({ restored: true, onViolation: sayViolation });
  const { port, clientId, minDelayMs, maxDelayMs } = server;
  const full = {
    ...options,
    servers: [{ host: '127.0.0.1', port, clientId, clean: false, minDelayMs, maxDelayMs }],
    session: { ...options.session, store },
  };
  return { client: new MqttClient(withWireCheck(full, validator)), store };
}
