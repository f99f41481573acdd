/**
 * The CONNECT a server gets, through the connect hook (spec R82), encoded by the connection's
 * wire profile (`profile.ts`, which also says what its CONNACK must agree with, spec R62).
 * Internal: not in the index.
 *
 * @module
 */
import { ConnectHookError, type ErrorData, InvalidArgumentError, MqttError } from '../errors.js';
import type { ConnectOptions } from '../protocol/connect.js';
import type { SentConnect } from '../protocol/decoderRules.js';
import type { SentConnectV5 } from '../protocol/v5/connack.js';
import type { LifecycleClientOptions, NormalisedOptions, NormalisedServer, ServerConfig } from './options.js';
import type { WireProfile } from './profile.js';
import { incomingLimit } from './wire.js';

/** The static CONNECT options of a server, with its client id. */
export function connectOptionsOf(s: ServerConfig, clientId: string | undefined): ConnectOptions {
  return {
    clientId,
    clean: s.clean,
    keepAliveSec: s.keepAliveSec,
    username: s.username,
    password: s.password,
    will: s.will,
  };
}

/** The connection as the handshake sees it. */
export interface HandshakeHost {
  /** The generation of the current transport: a CONNECT for an older one is not written. */
  readonly generation: number;
  /** The configuration as last set (its `connectHook`). */
  readonly config: Pick<LifecycleClientOptions, 'connectHook' | 'profile' | 'maxIncomingPacketBytes'>;
  /** The normalised options as last set. */
  readonly options: NormalisedOptions;
  /** The CONNECT written on the current transport, which its CONNACK must agree with (spec R62). */
  sentConnect: SentConnect | SentConnectV5 | undefined;
  /** The current transport's protocol version (spec R235). */
  readonly profile: WireProfile;
  /** The static CONNECT options of server `server`. */
  connectOptions(server: number): ConnectOptions;
  /** Server `index` of the ring: configured, or referred to by a broker (spec R246). */
  serverAt(index: number): { readonly server: NormalisedServer };
  /** Writes to the current transport. */
  write(bytes: Uint8Array): boolean;
  /** Fails transport `generation` with `error`. */
  failed(generation: number, error: ErrorData): void;
}

/**
 * Writes CONNECT for server `server` on the current transport, through the connect hook when
 * there is one (spec R82): a hook that throws or rejects, or options that cannot be encoded,
 * fail the connection with a typed error.
 */
export function sendConnect(host: HandshakeHost, server: number): void {
  const generation = host.generation;
  const s = host.serverAt(server).server;
  const write = (options: ConnectOptions) => {
    if (generation !== host.generation) return;
    try {
      const written = host.profile.connect(options, incomingLimit(s, host.config));
      host.write(written.bytes);
      host.sentConnect = written.sent;
    } catch (error) {
      const typed =
        error instanceof MqttError ? error : new InvalidArgumentError(String(error), { cause: error });
      host.failed(generation, typed.toData());
    }
  };
  const hook = host.config.connectHook;
  if (hook === undefined) {
    write(host.connectOptions(server));
    return;
  }
  try {
    const result = hook({ server: s.name, serverIndex: server, options: host.connectOptions(server) });
    if (result instanceof Promise) {
      result.then(write, (error: unknown) => host.failed(generation, hookFailure(error)));
    } else write(result);
  } catch (error) {
    host.failed(generation, hookFailure(error));
  }
}

/** A connect hook that threw or rejected, as the typed error's data (spec R82). */
function hookFailure(error: unknown): ErrorData {
  const reason = error instanceof Error ? error.message : String(error);
  return new ConnectHookError(`connect hook failed: ${reason}`, { cause: error }).toData();
}
