/**
 * The one connection object of a client: it carries out the statechart's effects (opening and
 * closing transports, CONNECT, PINGREQ, DISCONNECT, stale-generation handling, spec R28), routes
 * received packets, reports what user code throws, and is the session's I/O. Its parts live
 * beside it: the wire (`wire.ts`), flow control and backpressure (`flow.ts`), process lifetime
 * (`lifetime.ts`) and the CONNECT/CONNACK exchange (`handshake.ts`). Its ports are plain fields
 * its owner sets: `session` (where packets go) and `events` (where events go).
 * Internal: not in the index.
 *
 * @module
 */
import { type ErrorData, ListenerError, type ListenerKind, MqttError, ProtocolError } from '../errors.js';
import type { LifecycleEvent } from '../machines/events.js';
import type { ConnectOptions } from '../protocol/connect.js';
import type { SentConnect } from '../protocol/decoderRules.js';
import { encodeDisconnect, encodePingreq } from '../protocol/encode.js';
import type { SessionIO } from '../protocol/sessionTypes.js';
import type { SentConnectV5 } from '../protocol/v5/connack.js';
import type { AuthSession } from './authSession.js';
import type { ConnectWaiters } from './connectWaiters.js';
import type { LifecycleDriver, LifecycleHost } from './drivers.js';
import { type HandshakeHost, sendConnect } from './handshake.js';
import { TransportLifetime } from './lifetime.js';
import { callEach, type ListenerErrorSink, logListenerError } from './listenerErrors.js';
import type { NormalisedOptions } from './options.js';
import type { OutboundProps } from './outboundProps.js';
import type { Logger, RuntimeClock, Tracer } from './ports.js';
import { V4_PROFILE, type WirePacket, type WireProfile } from './profile.js';
import type { ReferencedServers, RingServer } from './serverReference.js';
import type { ClientEvent } from './types.js';
import { openWire, type WireHost } from './wire.js';

// Its ports and configuration live in `connectionPorts.ts`; importers keep importing them here.
export {
  CLIENT_EVENT,
  type ConnectionConfig,
  clientState,
  type EventPort,
  type SessionPort,
} from './connectionPorts.js';

// The modules split out of this one are imported last so that the bundler emits them next to
// this class: apart, the default browser client's gzip grows by about 40 bytes (their code
// compresses against the class that calls it).
import {
  CLIENT_EVENT,
  type ConnectionConfig,
  clientState,
  type EventPort,
  NO_EVENTS,
  type SessionPort,
} from './connectionPorts.js';
import { connackArrived, v5PacketArrived } from './connectionReceive.js';
import { connectOptionsFor, ringServer, speak } from './connectionServer.js';

/**
 * One object per client with prototype methods, rather than a closure per effect: many idle
 * clients in one process each pay for it.
 */
export class Connection
  extends TransportLifetime
  implements LifecycleHost, ListenerErrorSink, WireHost, HandshakeHost
{
  /** The statechart that drives this connection; set by the owner right after construction. */
  driver!: LifecycleDriver;
  /** The configuration as last set. */
  config: ConnectionConfig;
  /** The normalised options as last set. */
  options: NormalisedOptions;
  /** One client id per server, kept across reconnects. */
  clientIds: string[];
  /** Port: where packets other than CONNACK and PINGRESP go. */
  session: SessionPort | null = null;
  /** Port: every lifecycle event, protocol error and session event, before any listener. */
  events: EventPort = NO_EVENTS;
  // Listener sets are made on first registration: an empty Set still costs its hash table.
  lifecycleListeners: Set<(event: LifecycleEvent) => void> | undefined;
  protocolListeners: Set<(error: ErrorData) => void> | undefined;
  /** Pending `connect()` promises (spec R80); made by the call, let go once they are settled. */
  connects: ConnectWaiters | undefined;
  /** The CONNECT written on the current transport, which its CONNACK must agree with (spec R62). */
  sentConnect: SentConnect | SentConnectV5 | undefined;
  /** What the current transport's protocol version changes (spec R235): set when it opens. */
  profile: WireProfile = V4_PROFILE;
  /** `disconnect({ sendWill: true })`: the DISCONNECT asks an MQTT 5 broker for the will (R239). */
  sendWillOnDisconnect = false;
  /** The Receive Maximum of the last accepted CONNACK (spec R243). */
  receiveMaximum = 65_535;
  /** Enhanced authentication, made by the MQTT 5 profile from `config.auth` (spec R310-R316). */
  auth: AuthSession | undefined;
  /** SessionIO: the current profile's check of QoS 1 and 2 publishes (MQTT 5, spec R249). */
  admit: SessionIO['admit'];
  /** SessionIO: what the current profile's broker refusals do (MQTT 5, spec R244, R252, R354). */
  refusals: SessionIO['refusals'];
  /** The MQTT 5 properties of outbound publishes (spec R290), made by the first publish with some. */
  outboundProps: OutboundProps | undefined;
  /** What the session store kept with restored messages, until the table above takes it (R304). */
  restoredAnnexes: Map<number, Uint8Array> | undefined;

  /**
   * The servers MQTT 5 brokers referred the client to, by label (spec R246): made by the MQTT 5
   * profile with the first Server Reference (R351), so a 3.1.1-only client carries none of it.
   */
  #referenced: ReferencedServers | undefined;
  /** The configured server whose settings the current transport's server uses (R246). */
  #template = 0;
  /** Labels for a Server Reference, its servers reached like the current one (R246). */
  readonly #refer = (text: string): string[] => {
    this.#referenced ??= this.profile.referencedServers?.();
    return this.#referenced?.labels(text, this.#template) ?? [];
  };

  /**
   * The generation of the current transport: events of an older one are stale (spec R28). Its
   * readers see it through read-only interfaces (`WireHost`, `HandshakeHost`); only this class moves it.
   */
  generation = 0;
  /** A `listener.error` is being forwarded: a listener of it that throws is not forwarded again. */
  #forwarding = false;
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
    super();
    this.config = config;
    this.options = options;
    this.clientIds = clientIds;
  }

  emit(event: ClientEvent): void {
    this.events[CLIENT_EVENT](event);
  }

  // --- the statechart's effects ---

  emitted(event: LifecycleEvent): void {
    const connects = this.connects;
    if (connects !== undefined) {
      connects.onEvent(event);
      if (!connects.pending) this.connects = undefined;
    }
    // By the event's label: an actor's snapshot is not yet the new ring while it emits (R246).
    this.tracer?.lifecycle(
      event,
      this.#referenced?.traced(event, this.options.servers) ?? this.options.servers,
    );
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

  /** The name of an MQTT 5 reason code, from the current profile (SessionIO, R244). */
  reasonName(code: number, packet: 'PUBACK' | 'PUBREC' | 'SUBACK' | 'UNSUBACK'): string | undefined {
    return this.profile.reasonName?.(code, packet);
  }
  /** Whether a queued publish outlived its Message Expiry Interval (SessionIO, R291). */
  expired(packetId: number): MqttError | undefined {
    return this.outboundProps?.expired(packetId);
  }
  /** What the store keeps with a publish just numbered (SessionIO, R304). */
  annex(packetId: number): Uint8Array | undefined {
    return this.outboundProps?.annex(packetId);
  }
  /** What the store kept with a restored message (SessionIO, R304): held for the MQTT 5 table. */
  restoreAnnex(packetId: number, annex: Uint8Array): void {
    this.restoredAnnexes ??= new Map();
    this.restoredAnnexes.set(packetId, annex);
  }
  /** What a session's completion callback threw (SessionIO): reported, never rethrown (R63). */
  callbackError(thrown: unknown): void {
    this.reportListenerError('completion', thrown);
  }
  sendPingreq(): void {
    this.write(encodePingreq());
  }
  sendDisconnect(): void {
    const withWill = this.sendWillOnDisconnect ? this.profile.disconnectWithWill?.() : undefined;
    this.write(withWill ?? encodeDisconnect());
  }
  sessionUp(sessionPresent: boolean): void {
    const session = this.session;
    if (session === null) {
      this.driver.send({ type: 'session.drained' });
      return;
    }
    try {
      session.connected(sessionPresent, this.receiveMaximum);
    } catch (error) {
      this.#storeFailed(this.generation, error);
    }
  }
  sessionDown(): void {
    this.session?.disconnected();
  }

  /** Server `index` of the statechart's ring, configured or referred (spec R246). */
  serverAt(
    index: number,
    label: string | undefined = this.driver.getSnapshot().context.servers[index]?.name,
  ): RingServer {
    return ringServer(this.#referenced, this.options.servers, index, label);
  }

  /** The static CONNECT options of a server, with its client id (R270). */
  connectOptions(server: number): ConnectOptions {
    return connectOptionsFor(this, server);
  }

  /** The statechart's `answerAuth` (spec R310, R313). */
  answerAuth(): void {
    this.auth?.answer(this);
  }
  /** The statechart's `sendReauth` (spec R313): the MQTT 5 profile's authentication, if any. */
  sendReauth(): void {
    this.profile.authentication?.session(this)?.reauthenticate(this);
  }

  #protocolError(error: ErrorData): void {
    this.emit({ type: 'protocol.error', code: error.code, message: error.message });
    const listeners = this.protocolListeners;
    if (listeners !== undefined) callEach(listeners, error, 'protocolError', this);
  }

  /**
   * Fails transport `generation` (a stale one is ignored): a `mqtt.error` for the statechart,
   * after the DISCONNECT the protocol version sends for it, if any, once CONNECT is out (R237).
   */
  failed(generation: number, error: ErrorData): void {
    if (generation !== this.generation) return;
    if (this.sentConnect !== undefined) {
      const farewell = this.profile.farewell(error);
      if (farewell !== undefined) this.write(farewell);
    }
    this.tracer?.protocolError(error);
    this.#protocolError(error);
    this.driver.send({ type: 'mqtt.error', error });
  }

  /** A packet decoded from transport `generation` (a stale one is ignored). */
  packetArrived(generation: number, packet: WirePacket): void {
    if (generation !== this.generation) return;
    switch (packet.cmd) {
      case 'connack':
        connackArrived(this, generation, packet, this.#refer);
        return;
      case 'pingresp':
        this.driver.send({ type: 'mqtt.pingresp' });
        return;
      case 'auth':
      case 'disconnect':
        v5PacketArrived(this, generation, packet, this.#refer);
        return;
      default:
        // [MQTT-3.2.0-1]: the first packet from the server must be CONNACK.
        if (clientState(this.driver.getSnapshot()) !== 'connected') {
          this.failed(generation, new ProtocolError(`${packet.cmd.toUpperCase()} before CONNACK`).toData());
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
    // By its code (a `StoreError`'s), so that a client without a store carries no StoreError class.
    if (!(error instanceof MqttError) || !error.code.startsWith('STORE_')) throw error;
    this.failed(generation, error.toData());
  }

  openTransport(server: number, name: string): void {
    const generation = ++this.generation;
    this.sentConnect = undefined;
    this.auth?.reset();
    const { server: s, template } = this.serverAt(server, name);
    this.#template = template;
    // `normaliseOptions` made sure a server of version 5 comes with the profile (R235).
    const profile = s.protocolVersion === 5 ? (this.config.mqtt5 as WireProfile) : V4_PROFILE;
    speak(this, profile);
    // Tracing is decided once per connection, so a client without a logger pays nothing per packet.
    const tracer = this.tracer;
    this.adopt(() => openWire(this, generation, server, s, this.config, tracer, profile));
  }

  closeTransport(): void {
    const transport = this.transport;
    this.transport = null;
    // From here on, this transport's events are stale (spec R28).
    this.generation += 1;
    if (transport === null) return;
    this.writable(false);
    this.endTransport(transport);
  }

  sendConnect(server: number): void {
    sendConnect(this, server);
  }
}
