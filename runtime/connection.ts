/**
 * The one connection object of a client: it owns the current transport, carries out the
 * statechart's effects (opening and closing transports, CONNECT with the connect hook, PINGREQ,
 * DISCONNECT, stale-generation handling, spec R28), routes received packets, and is the session's
 * I/O: a session writes straight to it, and it straight to the transport. Its ports are plain
 * fields its owner sets: `session` (where packets go) and `emit` (where events go).
 * Internal: not in the index.
 *
 * @module
 */
import {
  ConnectHookError,
  type ErrorData,
  InvalidArgumentError,
  ListenerError,
  type ListenerKind,
  MqttError,
  ProtocolError,
  SizeLimitError,
  StoreError,
} from '../errors.js';
import type { LifecycleEvent } from '../machines/events.js';
import { type ConnectOptions, encodeConnect } from '../protocol/connect.js';
import { createDecoder, type InboundPacket, MAX_PACKET_BYTES } from '../protocol/decoder.js';
import { checkConnackAnswers, type SentConnect } from '../protocol/decoderRules.js';
import { encodeDisconnect, encodePingreq } from '../protocol/encode.js';
import type { SessionIO } from '../protocol/sessionTypes.js';
import type { ConnectWaiters } from './connectWaiters.js';
import type { ConnectionSnapshot, LifecycleDriver, LifecycleHost } from './drivers.js';
import { callEach, type ListenerErrorSink, logListenerError } from './listenerErrors.js';
import type { LifecycleClientOptions, NormalisedOptions, NormalisedServer, ServerConfig } from './options.js';
import type { RuntimeClock, Transport } from './ports.js';
import type { ClientEvent, ClientState } from './types.js';

/** The session layer as the connection sees it (the MQTT session lives there). */
export interface SessionPort {
  /** CONNACK rc=0 arrived; writes go to the new transport. */
  connected(sessionPresent: boolean): void;
  /** The transport is gone. */
  disconnected(): void;
  /** A packet the lifecycle does not handle (PUBLISH, acks, SUBACK, UNSUBACK). */
  handle(packet: InboundPacket): void;
}

/** The connection's configuration: the lifecycle options plus what only the runtime reads. */
export interface ConnectionConfig extends LifecycleClientOptions {
  /** Grace period for a closing transport to flush before it is destroyed, in ms. @default 1000 */
  readonly closeGraceMs?: number;
}

const ignore = (): void => {};

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

/** The coarse state of a snapshot (cheap: it runs for every received packet). */
export function clientState(snapshot: ConnectionSnapshot): ClientState {
  const value = snapshot.value;
  if (typeof value === 'string') return value as ClientState;
  if ('backoff' in value) return 'backoff';
  return 'connected' in (value.online as object) ? 'connected' : 'connecting';
}

/**
 * One object per client with prototype methods, rather than a closure per effect: many idle
 * clients in one process each pay for it.
 */
export class Connection implements LifecycleHost, SessionIO, ListenerErrorSink {
  /** The statechart that drives this connection; set by the owner right after construction. */
  driver!: LifecycleDriver;
  /** The configuration as last set. */
  config: ConnectionConfig;
  /** The normalised options as last set. */
  options: NormalisedOptions;
  /** One client id per server, kept across reconnects. */
  clientIds: string[];
  /** The current transport, if any. */
  transport: Transport | null = null;
  /** Port: where packets other than CONNACK and PINGRESP go. */
  session: SessionPort | null = null;
  /** Port: every lifecycle event, protocol error and session event, before any listener. */
  emit: (event: ClientEvent) => void = ignore;
  // Listener sets are made on first registration: an empty Set still costs its hash table.
  lifecycleListeners: Set<(event: LifecycleEvent) => void> | undefined;
  protocolListeners: Set<(error: ErrorData) => void> | undefined;
  /** Pending `connect()` promises (spec R80); made by the call, let go once they are settled. */
  connects: ConnectWaiters | undefined;

  #generation = 0;
  #open = 0;
  /** The CONNECT written on the current transport, which its CONNACK must agree with (spec R62). */
  #sentConnect: SentConnect | undefined;
  /** A `listener.error` is being forwarded: a listener of it that throws is not forwarded again. */
  #forwarding = false;
  readonly #closeWaiters: (() => void)[] = [];

  constructor(
    readonly clock: RuntimeClock,
    readonly random: () => number,
    config: ConnectionConfig,
    options: NormalisedOptions,
    clientIds: string[],
  ) {
    this.config = config;
    this.options = options;
    this.clientIds = clientIds;
  }

  // --- the session's I/O (the hot path: one hop to the transport) ---

  write(bytes: Uint8Array): boolean {
    return this.transport?.write(bytes) ?? false;
  }
  reserve(size: number): number {
    return this.transport?.reserve?.(size) ?? -1;
  }
  get outBuffer(): Uint8Array | undefined {
    return this.transport?.outBuffer;
  }
  bufferedBytes(): number {
    return this.transport?.bufferedBytes ?? 0;
  }

  // --- the statechart's effects ---

  emitted(event: LifecycleEvent): void {
    const connects = this.connects;
    if (connects !== undefined) {
      connects.onEvent(event);
      if (!connects.pending) this.connects = undefined;
    }
    this.emit(event);
    const listeners = this.lifecycleListeners;
    // Listeners run inside the statechart's step: a throw must not abort it (R63).
    if (listeners !== undefined) callEach(listeners, event, 'lifecycle', this);
  }

  /**
   * Reports what user code threw (spec R63) to `onListenerError`, then as a `listener.error`
   * event unless the throw came from a listener of that very event. Never throws.
   */
  reportListenerError(kind: ListenerKind, thrown: unknown): void {
    const error = new ListenerError(kind, thrown);
    try {
      (this.config.onListenerError ?? logListenerError)(error);
    } catch {
      // The handler is the last line: what it throws has nowhere left to go.
    }
    if (this.#forwarding) return;
    this.#forwarding = true;
    try {
      this.emit({ type: 'listener.error', error });
    } finally {
      this.#forwarding = false;
    }
  }

  /** What a session's completion callback threw (SessionIO): reported, never rethrown (R63). */
  callbackError(thrown: unknown): void {
    this.reportListenerError('completion', thrown);
  }
  sendPingreq(): void {
    this.write(encodePingreq());
  }
  sendDisconnect(): void {
    this.write(encodeDisconnect());
  }
  sessionUp(sessionPresent: boolean): void {
    const session = this.session;
    if (session === null) {
      this.driver.send({ type: 'session.drained' });
      return;
    }
    try {
      session.connected(sessionPresent);
    } catch (error) {
      this.#storeFailed(this.#generation, error);
    }
  }
  sessionDown(): void {
    this.session?.disconnected();
  }

  /** The static CONNECT options of a server, with its client id. */
  connectOptions(server: number): ConnectOptions {
    return connectOptionsOf(this.options.servers[server] as NormalisedServer, this.clientIds[server]);
  }

  /** Resolves once every transport opened so far is closed. */
  whenClosed(): Promise<void> {
    if (this.#open === 0) return Promise.resolve();
    return new Promise((resolve) => this.#closeWaiters.push(resolve));
  }

  #protocolError(error: ErrorData): void {
    this.emit({ type: 'protocol.error', code: error.code, message: error.message });
    const listeners = this.protocolListeners;
    if (listeners !== undefined) callEach(listeners, error, 'protocolError', this);
  }

  #fail(generation: number, error: ErrorData): void {
    if (generation !== this.#generation) return;
    this.#protocolError(error);
    this.driver.send({ type: 'mqtt.error', error });
  }

  #onPacket(generation: number, packet: InboundPacket): void {
    if (generation !== this.#generation) return;
    switch (packet.cmd) {
      case 'connack': {
        if (!this.driver.getSnapshot().matches({ online: { connecting: 'handshaking' } })) {
          this.#fail(generation, new ProtocolError('unexpected CONNACK').toData());
          return;
        }
        const contradiction = checkConnackAnswers(packet, this.#sentConnect);
        if (contradiction !== undefined) {
          this.#fail(generation, new ProtocolError(contradiction).toData());
          return;
        }
        this.driver.send({
          type: 'mqtt.connack',
          returnCode: packet.returnCode ?? 0,
          sessionPresent: packet.sessionPresent,
        });
        return;
      }
      case 'pingresp':
        this.driver.send({ type: 'mqtt.pingresp' });
        return;
      default:
        // [MQTT-3.2.0-1]: the first packet from the server must be CONNACK.
        if (clientState(this.driver.getSnapshot()) !== 'connected') {
          this.#fail(generation, new ProtocolError(`${packet.cmd.toUpperCase()} before CONNACK`).toData());
          return;
        }
        // Inline, not a closure per packet: this is the receive hot path.
        try {
          this.session?.handle(packet);
        } catch (error) {
          this.#storeFailed(generation, error);
        }
    }
  }

  /**
   * A session step threw: one that failed to store (a session store that cannot write, spec
   * R100-R115) fails the connection with its error instead of escaping into the transport's
   * callback; the session writes nothing that depends on a record it could not store, so nothing
   * is lost. Anything else (a listener that throws) keeps its own path.
   */
  #storeFailed(generation: number, error: unknown): void {
    if (!(error instanceof StoreError)) throw error;
    this.#fail(generation, error.toData());
  }

  // The handlers stay closures (a transport may pass them on detached, e.g. to `socket.on`), all
  // over one small context; events of a transport other than the current one are stale (spec R28).
  openTransport(server: number): void {
    const generation = ++this.#generation;
    this.#sentConnect = undefined;
    const s = this.options.servers[server] as NormalisedServer;
    const mongoose = this.config.profile === 'mongoose';
    // The option a PACKET_TOO_LARGE names (spec R83): the server's own, else the client's.
    const option =
      s.maxIncomingPacketBytes !== undefined
        ? `servers[${server}].maxIncomingPacketBytes`
        : 'maxIncomingPacketBytes';
    const decoder = createDecoder({
      maxPacketBytes:
        s.maxIncomingPacketBytes ??
        this.config.maxIncomingPacketBytes ??
        (mongoose ? 3072 : MAX_PACKET_BYTES),
      onPacket: (packet) => this.#onPacket(generation, packet),
      onError: (error) =>
        this.#fail(
          generation,
          error instanceof SizeLimitError
            ? new SizeLimitError('PACKET_TOO_LARGE', error.size, error.limit, option).toData()
            : error.toData(),
        ),
    });
    let closed = false;
    this.#open += 1;
    this.transport = s.transport(
      {
        scheme: s.protocol,
        host: s.host,
        port: s.port,
        // Only the WebSocket URL: an mqtt:// URL as given may carry a password.
        url: s.protocol === 'ws' || s.protocol === 'wss' ? s.url : undefined,
        tls: s.tls,
      },
      {
        onOpen: () => {
          if (generation === this.#generation) this.driver.send({ type: 'transport.opened' });
        },
        onData: (chunk) => {
          if (generation === this.#generation) decoder.push(chunk);
        },
        onError: (error) => {
          if (generation === this.#generation) this.driver.send({ type: 'transport.error', error });
        },
        onClose: () => {
          if (closed) return;
          closed = true;
          this.#open -= 1;
          if (generation === this.#generation) this.driver.send({ type: 'transport.closed' });
          if (this.#open === 0) for (const resolve of this.#closeWaiters.splice(0)) resolve();
        },
      },
    );
  }

  closeTransport(): void {
    const transport = this.transport;
    this.transport = null;
    // From here on, this transport's events are stale (spec R28).
    this.#generation += 1;
    if (transport === null) return;
    transport.end();
    const handle = this.clock.setTimeout(() => transport.destroy(), this.config.closeGraceMs ?? 1000);
    // The grace timer must not outlive a transport that closed in time.
    const waiter = () => this.clock.clearTimeout(handle);
    this.#closeWaiters.push(waiter);
  }

  sendConnect(server: number): void {
    const generation = this.#generation;
    const s = this.options.servers[server] as NormalisedServer;
    const write = (options: ConnectOptions) => {
      if (generation !== this.#generation) return;
      try {
        this.write(encodeConnect(options));
        this.#sentConnect = { clean: options.clean ?? true };
      } catch (error) {
        const typed =
          error instanceof MqttError ? error : new InvalidArgumentError(String(error), { cause: error });
        this.#fail(generation, typed.toData());
      }
    };
    const hook = this.config.connectHook;
    if (hook === undefined) {
      write(this.connectOptions(server));
      return;
    }
    try {
      const result = hook({ server: s.name, serverIndex: server, options: this.connectOptions(server) });
      if (result instanceof Promise) {
        result.then(write, (error: unknown) => this.#fail(generation, hookFailure(error)));
      } else write(result);
    } catch (error) {
      this.#fail(generation, hookFailure(error));
    }
  }
}

/** A connect hook that threw or rejected, as the typed error's data (spec R82). */
function hookFailure(error: unknown): ErrorData {
  const reason = error instanceof Error ? error.message : String(error);
  return new ConnectHookError(`connect hook failed: ${reason}`, { cause: error }).toData();
}
