/**
 * The CONNECT/CONNACK exchange: the CONNECT a server gets (through the connect hook, spec R82)
 * and what its CONNACK must agree with (spec R62). What differs between protocol versions in
 * the handshake lives here and in the codec. Internal: not in the index.
 *
 * @module
 */
import {
  ConnectHookError,
  type ErrorData,
  InvalidArgumentError,
  MqttError,
  ProtocolError,
} from '../errors.js';
import type { ConnectionEvent } from '../machines/events.js';
import { type ConnectOptions, encodeConnect } from '../protocol/connect.js';
import { checkConnackAnswers, type InboundPacket, type SentConnect } from '../protocol/decoderRules.js';
import type { LifecycleClientOptions, NormalisedOptions, NormalisedServer, ServerConfig } from './options.js';

// What a CONNECT asked for, shared: an idle client keeps its last one until the next CONNECT.
const SENT_CLEAN: SentConnect = Object.freeze({ clean: true });
const SENT_SESSION: SentConnect = Object.freeze({ clean: false });

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
  readonly config: Pick<LifecycleClientOptions, 'connectHook'>;
  /** The normalised options as last set. */
  readonly options: NormalisedOptions;
  /** The CONNECT written on the current transport, which its CONNACK must agree with (spec R62). */
  sentConnect: SentConnect | undefined;
  /** The static CONNECT options of server `server`. */
  connectOptions(server: number): ConnectOptions;
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
  const s = host.options.servers[server] as NormalisedServer;
  const write = (options: ConnectOptions) => {
    if (generation !== host.generation) return;
    try {
      host.write(encodeConnect(options));
      host.sentConnect = (options.clean ?? true) ? SENT_CLEAN : SENT_SESSION;
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

/** A decoded CONNACK. */
export type Connack = Extract<InboundPacket, { readonly cmd: 'connack' }>;

/**
 * What a CONNACK means for the statechart: its `mqtt.connack` event, or the protocol error it is
 * when none was awaited or it contradicts the CONNECT it answers (spec R62).
 * @param handshaking - Whether the statechart awaits a CONNACK.
 * @param sent - The CONNECT written on this transport.
 */
export function answerConnack(
  packet: Connack,
  handshaking: boolean,
  sent: SentConnect | undefined,
): ConnectionEvent | ProtocolError {
  if (!handshaking) return new ProtocolError('unexpected CONNACK');
  const contradiction = checkConnackAnswers(packet, sent);
  if (contradiction !== undefined) return new ProtocolError(contradiction);
  return { type: 'mqtt.connack', returnCode: packet.returnCode ?? 0, sessionPresent: packet.sessionPresent };
}
