/**
 * The statechart's effects on one {@link LifecycleClient}: the per-connection transport and
 * decoder wiring, stale-generation handling (spec R28), CONNECT with the connect hook, and the
 * routing of received packets. Internal: not in the index.
 *
 * @module
 */
import {
  ConnectHookError,
  type ErrorData,
  InvalidArgumentError,
  MqttError,
  ProtocolError,
  SizeLimitError,
} from '../errors.js';
import type { LifecycleEvent } from '../machines/events.js';
import { type ConnectOptions, encodeConnect } from '../protocol/connect.js';
import { createDecoder, type InboundPacket, MAX_PACKET_BYTES } from '../protocol/decoder.js';
import { checkConnackAnswers, type SentConnect } from '../protocol/decoderRules.js';
import { encodeDisconnect, encodePingreq } from '../protocol/encode.js';
import type { LifecycleDriver, LifecycleHost } from './drivers.js';
import type { LifecycleClient, LifecycleClientConfig, SessionPort } from './lifecycleClient.js';
import type { NormalisedOptions, NormalisedServer } from './options.js';
import type { RuntimeClock, Transport } from './ports.js';

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
  readonly #closeWaiters: (() => void)[] = [];

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
  /** The static CONNECT options of a server, with its client id. */
  protected abstract connectOptions(server: number): ConnectOptions;
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
    else session.connected(sessionPresent);
  }
  sessionDown(): void {
    this.session?.disconnected();
  }

  /** Resolves once every transport opened so far is closed. */
  whenClosed(): Promise<void> {
    if (this.#open === 0) return Promise.resolve();
    return new Promise((resolve) => this.#closeWaiters.push(resolve));
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
        this.session?.handle(packet);
    }
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
        this.client.write(encodeConnect(options));
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
      const result = hook({
        server: s.name ?? '',
        serverIndex: server,
        options: this.connectOptions(server),
      });
      if (result instanceof Promise) {
        result.then(write, (error: unknown) => this.#fail(generation, hookFailure(error)));
      } else write(result);
    } catch (error) {
      this.#fail(generation, hookFailure(error));
    }
  }
}

function hookFailure(error: unknown): ErrorData {
  const reason = error instanceof Error ? error.message : String(error);
  return new ConnectHookError(`connect hook failed: ${reason}`, { cause: error }).toData();
}
