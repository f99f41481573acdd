/**
 * The statechart's effects on one {@link LifecycleClient}: the per-connection transport and
 * decoder wiring, stale-generation handling (spec R28), CONNECT with the connect hook, and the
 * routing of received packets. Internal: not in the index.
 *
 * @module
 */
import { type ErrorData, MqttError, ProtocolError, type SizeLimitError, StoreError } from '../errors.js';
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
import type { LifecycleDriver, LifecycleHost } from './drivers.js';
import type { LifecycleClient, LifecycleClientConfig, SessionPort } from './lifecycleClient.js';
import type { NormalisedOptions, NormalisedServer } from './options.js';
import type { RuntimeClock, Transport, TransportHandlers } from './ports.js';

/** What a transport's handlers read (see `ConnectionHost.#handlers`). */
interface Wire {
  readonly host: ConnectionHost;
  readonly generation: number;
  closed: boolean;
  readonly decoder: Decoder;
}

/**
 * The statechart's effects on one client. Prototype methods on one small object per client,
 * rather than a closure per effect: many idle clients in one process each pay for it.
 *
 * Abstract: `LifecycleClient` subclasses it privately, and its subclass maps the protected
 * members below onto the client's private fields, so none of them is public on the client.
 */
export abstract class ConnectionHost implements LifecycleHost {
  #generation = 0;
  #open = 0;
  /** The CONNECT written on the current transport, which its CONNACK must agree with (spec R62). */
  #sentConnect: SentConnect | undefined;
  /** Called once every transport is closed; made on first use. */
  #closeWaiters: (() => void)[] | undefined;

  constructor(readonly client: LifecycleClient) {}

  /** The client's current transport; the client writes to it directly. */
  protected abstract get transport(): Transport | null;
  protected abstract set transport(transport: Transport | null);
  /** The client's driver, which gets the inputs. */
  protected abstract get driver(): LifecycleDriver;
  /** The client's clock, for the close grace timer. */
  protected abstract get clock(): RuntimeClock;
  /** The client's configuration as last set. */
  protected abstract get config(): LifecycleClientConfig;
  /** The client's normalised options as last set. */
  protected abstract get options(): NormalisedOptions;
  /** The client's session layer, if attached. */
  protected abstract get session(): SessionPort | null;
  /** Whether the client keeps the process alive (spec R50, R52). */
  protected abstract get held(): boolean;
  /** The static CONNECT options of a server, with its client id. */
  protected abstract connectOptions(server: number): ConnectOptions;
  /**
   * The current transport drained (`drained`), or went away (`!drained`): either way a writer
   * waiting for room may go on (spec R55).
   */
  protected abstract writable(drained: boolean): void;
  /** Hands a protocol error to the client's sink and `onProtocolError` listeners. */
  protected abstract protocolError(error: ErrorData): void;
  abstract random(): number;
  abstract emitted(event: LifecycleEvent): void;

  sendPingreq(): void {
    this.client.write(encodePingreq());
  }
  sendDisconnect(): void {
    this.client.write(encodeDisconnect());
  }
  sessionUp(sessionPresent: boolean): void {
    const session = this.session;
    if (session === null) this.client.sessionDrained();
    else this.#guard(this.#generation, () => session.connected(sessionPresent));
  }
  sessionDown(): void {
    this.session?.disconnected();
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

  #fail(generation: number, error: ErrorData): void {
    if (generation !== this.#generation) return;
    this.protocolError(error);
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
        if (!this.client.isConnected()) {
          this.#fail(generation, new ProtocolError(`${packet.cmd.toUpperCase()} before CONNACK`).toData());
          return;
        }
        this.#guard(generation, () => this.session?.handle(packet));
    }
  }

  /**
   * Runs a session step; one that throws (a session store that cannot write, spec R100-R115)
   * fails the connection with its error instead of escaping into the transport's callback. The
   * session writes nothing that depends on a record it could not store, so nothing is lost.
   */
  #guard(generation: number, step: () => void): void {
    try {
      step();
    } catch (error) {
      // Only the store's failures: anything else (a listener that throws) keeps its own path.
      if (!(error instanceof StoreError)) throw error;
      this.#fail(generation, error.toData());
    }
  }

  /**
   * The transport handlers of every connection, as functions shared by all of them: each wire
   * holds them as its own properties (so `{ ...handlers, onClose }` in a wrapping factory works)
   * and they read the wire's fields through `this`, rather than seven closures over a context per
   * connection. Events of a transport other than the current one are stale (spec R28).
   */
  static readonly #handlers = {
    onOpen(this: Wire): void {
      if (this.generation === this.host.#generation) this.host.driver.send({ type: 'transport.opened' });
    },
    onData(this: Wire, chunk: Uint8Array): void {
      if (this.generation === this.host.#generation) this.decoder.push(chunk);
    },
    onError(this: Wire, error: ErrorData): void {
      if (this.generation === this.host.#generation)
        this.host.driver.send({ type: 'transport.error', error });
    },
    onDrain(this: Wire): void {
      if (this.generation === this.host.#generation) this.host.writable(true);
    },
    onClose(this: Wire): void {
      if (this.closed) return;
      this.closed = true;
      const host = this.host;
      host.#open -= 1;
      if (this.generation === host.#generation) host.driver.send({ type: 'transport.closed' });
      const waiters = host.#closeWaiters;
      if (host.#open > 0 || waiters === undefined) return;
      host.#closeWaiters = undefined;
      for (const resolve of waiters) resolve();
    },
  };

  /** One transport's handlers (see `#handlers`) and its decoder. */
  static readonly #Wire = class implements TransportHandlers, Wire {
    /** This transport's `onClose` was seen. */
    closed = false;
    readonly decoder: Decoder;
    readonly onOpen = ConnectionHost.#handlers.onOpen;
    readonly onData = ConnectionHost.#handlers.onData;
    readonly onError = ConnectionHost.#handlers.onError;
    readonly onDrain = ConnectionHost.#handlers.onDrain;
    readonly onClose = ConnectionHost.#handlers.onClose;
    constructor(
      readonly host: ConnectionHost,
      readonly generation: number,
      maxPacketBytes: number,
    ) {
      this.decoder = createDecoder(new ConnectionHost.#Packets(this, maxPacketBytes));
    }
  };

  /** The decoder's options and sink for one transport: what it decodes goes to the host. */
  static readonly #Packets = class implements DecoderOptions {
    constructor(
      readonly wire: { readonly host: ConnectionHost; readonly generation: number },
      readonly maxPacketBytes: number,
    ) {}
    onPacket(packet: InboundPacket): void {
      const wire = this.wire;
      wire.host.#onPacket(wire.generation, packet);
    }
    onError(error: ProtocolError | SizeLimitError): void {
      const wire = this.wire;
      wire.host.#fail(wire.generation, error.toData());
    }
  };

  openTransport(server: number): void {
    const generation = ++this.#generation;
    this.#sentConnect = undefined;
    const s = this.options.servers[server] as NormalisedServer;
    const mongoose = this.config.profile === 'mongoose';
    const maxPacketBytes =
      s.maxIncomingPacketBytes ?? this.config.maxIncomingPacketBytes ?? (mongoose ? 3072 : MAX_PACKET_BYTES);
    const wire = new ConnectionHost.#Wire(this, generation, maxPacketBytes);
    this.#open += 1;
    const transport = s.transport(
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
    this.writable(false);
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
        this.client.write(encodeConnect(options));
        this.#sentConnect = { clean: options.clean ?? true };
      } catch (error) {
        const data =
          error instanceof MqttError
            ? error.toData()
            : { code: 'INVALID_ARGUMENT' as const, message: String(error) };
        this.#fail(generation, data);
      }
    };
    const hook = this.config.connectHook;
    if (hook === undefined) {
      write(this.connectOptions(server));
      return;
    }
    try {
      const result = hook({
        server: s.name ?? '',
        serverIndex: server,
        options: this.connectOptions(server),
      });
      if (result instanceof Promise) {
        result.then(write, (error: unknown) =>
          this.#fail(generation, {
            code: 'INVALID_ARGUMENT',
            message: `connect hook failed: ${String(error)}`,
          }),
        );
      } else write(result);
    } catch (error) {
      this.#fail(generation, { code: 'INVALID_ARGUMENT', message: `connect hook failed: ${String(error)}` });
    }
  }
}
