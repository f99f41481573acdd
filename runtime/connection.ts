/**
 * The one connection object of a client: it owns the current transport, carries out the
 * statechart's effects (opening and closing transports, CONNECT with the connect hook, PINGREQ,
 * DISCONNECT, stale-generation handling, spec R28), routes received packets, and is the session's
 * I/O: a session writes straight to it, and it straight to the transport. Its ports are plain
 * fields its owner sets: `session` (where packets go) and `events` (where events go).
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
import {
  createDecoder,
  type Decoder,
  type DecoderOptions,
  type InboundPacket,
  MAX_PACKET_BYTES,
} from '../protocol/decoder.js';
import { checkConnackAnswers, type SentConnect } from '../protocol/decoderRules.js';
import { encodeDisconnect, encodePingreq } from '../protocol/encode.js';
import type { SessionIO } from '../protocol/sessionTypes.js';
import type { ConnectWaiters } from './connectWaiters.js';
import type { ConnectionSnapshot, LifecycleDriver, LifecycleHost } from './drivers.js';
import { callEach, type ListenerErrorSink, logListenerError } from './listenerErrors.js';
import type { LifecycleClientOptions, NormalisedOptions, NormalisedServer, ServerConfig } from './options.js';
import type { Logger, RuntimeClock, Tracer, Transport, TransportHandlers } from './ports.js';
import type { ClientEvent, ClientState, DrainEvent } from './types.js';

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

const DRAIN: DrainEvent = Object.freeze({ type: 'drain' });

/** The key of {@link EventPort}'s method: a symbol, so the owner's public API does not grow. */
export const CLIENT_EVENT: unique symbol = Symbol('mqtt-lifeline.clientEvent');

/**
 * Where a connection's events go: its owner itself (a method, not a closure per client: many
 * idle clients in one process each pay for one).
 */
export interface EventPort {
  [CLIENT_EVENT](event: ClientEvent): void;
}

// What a CONNECT asked for, shared: an idle client keeps its last one until the next CONNECT.
const SENT_CLEAN: SentConnect = Object.freeze({ clean: true });
const SENT_SESSION: SentConnect = Object.freeze({ clean: false });

const NO_EVENTS: EventPort = Object.freeze({ [CLIENT_EVENT]: ignore });

/** What a transport's handlers read (see `Connection.#handlers`). */
interface Wire {
  readonly connection: Connection;
  readonly generation: number;
  closed: boolean;
  readonly decoder: Decoder;
}

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
  events: EventPort = NO_EVENTS;
  // Listener sets are made on first registration: an empty Set still costs its hash table.
  lifecycleListeners: Set<(event: LifecycleEvent) => void> | undefined;
  protocolListeners: Set<(error: ErrorData) => void> | undefined;
  /** Pending `connect()` promises (spec R80); made by the call, let go once they are settled. */
  connects: ConnectWaiters | undefined;
  /** Whether this connection's transports and timers keep the process alive (spec R50, R52). */
  held = true;

  #generation = 0;
  #open = 0;
  /** The CONNECT written on the current transport, which its CONNACK must agree with (spec R62). */
  #sentConnect: SentConnect | undefined;
  /** A `listener.error` is being forwarded: a listener of it that throws is not forwarded again. */
  #forwarding = false;
  /** Called once every transport is closed; made on first use. */
  #closeWaiters: (() => void)[] | undefined;
  /** `whenWritable` callers, made on first use. */
  #drainWaiters: (() => void)[] | undefined;
  /** The configured logger and tracer factory, and the tracer built from them (R90). */
  // Two fields rather than a pair array: an idle client pays for no array of its own.
  #traceLogger: Logger | undefined;
  #traceFactory: ((logger: Logger) => Tracer) | undefined;
  #tracer: Tracer | undefined;

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

  emit(event: ClientEvent): void {
    this.events[CLIENT_EVENT](event);
  }

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
  /**
   * True while the transport holds at least its high-water mark of bytes not yet handed to the
   * operating system (Node's `writableNeedDrain`): stop writing until {@link Connection.whenWritable}.
   */
  needsDrain(): boolean {
    return this.transport?.needsDrain ?? false;
  }
  /**
   * Calls `callback(true)` once every byte written so far is handed to the operating system,
   * `callback(false)` if the connection closes first or there is none (spec R54).
   */
  whenFlushed(callback: (flushed: boolean) => void): void {
    const transport = this.transport;
    if (transport === null) callback(false);
    else if (transport.whenFlushed !== undefined) transport.whenFlushed(callback);
    // A transport that cannot tell: bytes below its high-water mark count as handed over.
    else if (!transport.needsDrain) callback(true);
    else this.#waitWritable(() => callback(this.transport === transport));
  }

  /**
   * Resolves once the transport is below its high-water mark (spec R55): at once when it is,
   * else when it drains or the connection closes (when nothing is buffered any more).
   */
  whenWritable(): Promise<void> {
    if (!this.needsDrain()) return Promise.resolve();
    return new Promise((resolve) => this.#waitWritable(resolve));
  }

  #waitWritable(waiter: () => void): void {
    this.#drainWaiters ??= [];
    this.#drainWaiters.push(waiter);
  }

  /**
   * The current transport drained (`drained`), or went away (`!drained`): either way a writer
   * waiting for room may go on (spec R55); a drain is also a `drain` event.
   */
  #writable(drained: boolean): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = undefined;
    if (waiters !== undefined) for (const resolve of waiters) resolve();
    if (drained) this.emit(DRAIN);
  }

  /** Lets the current and later transports keep the process alive, or not (spec R50, R52). */
  hold(held: boolean): void {
    this.held = held;
    if (held) this.transport?.ref?.();
    else this.transport?.unref?.();
  }

  // --- the statechart's effects ---

  emitted(event: LifecycleEvent): void {
    const connects = this.connects;
    if (connects !== undefined) {
      connects.onEvent(event);
      if (!connects.pending) this.connects = undefined;
    }
    this.tracer?.lifecycle(event, this.options.servers);
    this.emit(event);
    const listeners = this.lifecycleListeners;
    // Listeners run inside the statechart's step: a throw must not abort it (R63).
    if (listeners !== undefined) callEach(listeners, event, 'lifecycle', this);
  }

  /**
   * The tracer, undefined when tracing is off (spec R90, R93): built from the `logger` and
   * `tracer` options when both are set. A logger that throws is reported like any user callback
   * (R63), never thrown into a step.
   */
  get tracer(): Tracer | undefined {
    const { logger, tracer } = this.config;
    if (logger === this.#traceLogger && tracer === this.#traceFactory) return this.#tracer;
    this.#traceLogger = logger;
    this.#traceFactory = tracer;
    this.#tracer =
      logger === undefined || tracer === undefined
        ? undefined
        : tracer((line) => {
            try {
              logger(line);
            } catch (thrown) {
              this.reportListenerError('logger', thrown);
            }
          });
    return this.#tracer;
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
    return new Promise((resolve) => this.#waitClosed(resolve));
  }

  #waitClosed(waiter: () => void): void {
    this.#closeWaiters ??= [];
    this.#closeWaiters.push(waiter);
  }

  #protocolError(error: ErrorData): void {
    this.emit({ type: 'protocol.error', code: error.code, message: error.message });
    const listeners = this.protocolListeners;
    if (listeners !== undefined) callEach(listeners, error, 'protocolError', this);
  }

  #fail(generation: number, error: ErrorData): void {
    if (generation !== this.#generation) return;
    this.tracer?.protocolError(error);
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

  /**
   * The transport handlers of every connection, as functions shared by all of them: each wire
   * holds them as its own properties (so `{ ...handlers, onClose }` in a wrapping factory works)
   * and they read the wire's fields through `this`, rather than closures over a context per
   * transport. Events of a transport other than the current one are stale (spec R28).
   */
  static readonly #handlers = {
    onOpen(this: Wire): void {
      const connection = this.connection;
      if (this.generation === connection.#generation) connection.driver.send({ type: 'transport.opened' });
    },
    onData(this: Wire, chunk: Uint8Array): void {
      if (this.generation === this.connection.#generation) this.decoder.push(chunk);
    },
    onError(this: Wire, error: ErrorData): void {
      const connection = this.connection;
      if (this.generation === connection.#generation)
        connection.driver.send({ type: 'transport.error', error });
    },
    onDrain(this: Wire): void {
      if (this.generation === this.connection.#generation) this.connection.#writable(true);
    },
    onClose(this: Wire): void {
      if (this.closed) return;
      this.closed = true;
      const connection = this.connection;
      connection.#open -= 1;
      if (this.generation === connection.#generation) connection.driver.send({ type: 'transport.closed' });
      const waiters = connection.#closeWaiters;
      if (connection.#open > 0 || waiters === undefined) return;
      connection.#closeWaiters = undefined;
      for (const resolve of waiters) resolve();
    },
  };

  /** One transport's handlers (see `#handlers`) and its decoder. */
  static readonly #Wire = class implements TransportHandlers, Wire {
    /** This transport's `onClose` was seen. */
    closed = false;
    readonly decoder: Decoder;
    readonly onOpen = Connection.#handlers.onOpen;
    readonly onData = Connection.#handlers.onData;
    readonly onError = Connection.#handlers.onError;
    readonly onDrain = Connection.#handlers.onDrain;
    readonly onClose = Connection.#handlers.onClose;
    constructor(
      readonly connection: Connection,
      readonly generation: number,
      maxPacketBytes: number,
      /** The option a PACKET_TOO_LARGE names (spec R83). */
      readonly packetLimitOption: string,
      tracer: Tracer | undefined,
    ) {
      const packets = new Connection.#Packets(this, maxPacketBytes);
      this.decoder = createDecoder(
        tracer === undefined
          ? packets
          : {
              maxPacketBytes,
              onPacket: (packet) => {
                tracer.inbound(packet);
                packets.onPacket(packet);
              },
              onError: (error) => packets.onError(error),
            },
      );
    }
  };

  /** The decoder's options and sink for one transport: what it decodes goes to the connection. */
  static readonly #Packets = class implements DecoderOptions {
    constructor(
      readonly wire: {
        readonly connection: Connection;
        readonly generation: number;
        readonly packetLimitOption: string;
      },
      readonly maxPacketBytes: number,
    ) {}
    onPacket(packet: InboundPacket): void {
      const wire = this.wire;
      wire.connection.#onPacket(wire.generation, packet);
    }
    onError(error: ProtocolError | SizeLimitError): void {
      const wire = this.wire;
      const data =
        error instanceof SizeLimitError
          ? new SizeLimitError('PACKET_TOO_LARGE', error.size, error.limit, wire.packetLimitOption).toData()
          : error.toData();
      wire.connection.#fail(wire.generation, data);
    }
  };

  openTransport(server: number): void {
    const generation = ++this.#generation;
    this.#sentConnect = undefined;
    const s = this.options.servers[server] as NormalisedServer;
    const mongoose = this.config.profile === 'mongoose';
    const maxPacketBytes =
      s.maxIncomingPacketBytes ?? this.config.maxIncomingPacketBytes ?? (mongoose ? 3072 : MAX_PACKET_BYTES);
    const option =
      s.maxIncomingPacketBytes !== undefined
        ? `servers[${server}].maxIncomingPacketBytes`
        : 'maxIncomingPacketBytes';
    // Tracing is decided once per connection, so a client without a logger pays nothing per packet.
    const tracer = this.tracer;
    const wire = new Connection.#Wire(this, generation, maxPacketBytes, option, tracer);
    this.#open += 1;
    const transport = (tracer === undefined ? s.transport : tracer.wrap(s.transport))(
      {
        scheme: s.protocol,
        host: s.host,
        port: s.port,
        // Only the WebSocket URL: an mqtt:// URL as given may carry a password.
        url: s.protocol === 'ws' || s.protocol === 'wss' ? s.url : undefined,
        tls: s.tls,
      },
      wire,
    );
    if (!this.held) transport.unref?.();
    this.transport = transport;
  }

  closeTransport(): void {
    const transport = this.transport;
    this.transport = null;
    // From here on, this transport's events are stale (spec R28).
    this.#generation += 1;
    if (transport === null) return;
    this.#writable(false);
    transport.end();
    // Closed at once: no grace timer to clear later, and none to hold the process.
    if (this.#open === 0) return;
    const handle = this.clock.setTimeout(() => transport.destroy(), this.config.closeGraceMs ?? 1000);
    if (!this.held) this.clock.unref?.(handle);
    // The grace timer must not outlive a transport that closed in time.
    const waiter = () => this.clock.clearTimeout(handle);
    this.#waitClosed(waiter);
  }

  sendConnect(server: number): void {
    const generation = this.#generation;
    const s = this.options.servers[server] as NormalisedServer;
    const write = (options: ConnectOptions) => {
      if (generation !== this.#generation) return;
      try {
        this.write(encodeConnect(options));
        this.#sentConnect = (options.clean ?? true) ? SENT_CLEAN : SENT_SESSION;
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
