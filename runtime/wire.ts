/**
 * The wire: one transport's handlers and decoder. It opens a server's transport, decodes what
 * arrives, and hands packets, failures, drains and the close to the connection, dropping the
 * events of a transport that is no longer current (stale generation, spec R28).
 * Internal: not in the index.
 *
 * @module
 */
import { type ErrorData, type MqttError, SizeLimitError } from '../errors.js';
import { type Decoder, MAX_PACKET_BYTES } from '../protocol/decoder.js';
import type { LifecycleDriver } from './drivers.js';
import type { LifecycleClientOptions, NormalisedServer } from './options.js';
import type { Tracer, Transport, TransportHandlers } from './ports.js';
import type { OutboundPropsPort, WirePacket, WireProfile, WireSink } from './profile.js';

/** The connection as its wires see it. */
export interface WireHost {
  /** The generation of the current transport: a wire of another one is stale (spec R28). */
  readonly generation: number;
  /** The statechart the transport events go to. */
  readonly driver: LifecycleDriver;
  /** A decoded packet of transport `generation`. */
  packetArrived(generation: number, packet: WirePacket): void;
  /** Transport `generation` broke the protocol or sent an oversized packet. */
  failed(generation: number, error: ErrorData): void;
  /** The current transport drained (see `TransportFlow.writable`). */
  writable(drained: boolean): void;
  /** A transport closed, the current one or not (see `TransportLifetime.released`). */
  released(current: boolean): void;
  /** The MQTT 5 properties of outbound publishes, if any were given (spec R290). */
  readonly outboundProps?: OutboundPropsPort | undefined;
}

/** What a transport's handlers read (see {@link handlers}). */
interface WireState {
  readonly connection: WireHost;
  readonly generation: number;
  closed: boolean;
  readonly decoder: Decoder;
}

/**
 * The transport handlers of every connection, as functions shared by all of them: each wire
 * holds them as its own properties (so `{ ...handlers, onClose }` in a wrapping factory works)
 * and they read the wire's fields through `this`, rather than closures over a context per
 * transport. Events of a transport other than the current one are stale (spec R28).
 */
const handlers = {
  onOpen(this: WireState): void {
    if (this.generation === this.connection.generation)
      this.connection.driver.send({ type: 'transport.opened' });
  },
  onData(this: WireState, chunk: Uint8Array): void {
    if (this.generation === this.connection.generation) this.decoder.push(chunk);
  },
  onError(this: WireState, error: ErrorData): void {
    if (this.generation === this.connection.generation)
      this.connection.driver.send({ type: 'transport.error', error });
  },
  onDrain(this: WireState): void {
    if (this.generation === this.connection.generation) this.connection.writable(true);
  },
  onClose(this: WireState): void {
    if (this.closed) return;
    this.closed = true;
    this.connection.released(this.generation === this.connection.generation);
  },
};

/** What a transport's decoder sink reads of its wire. */
interface PacketsWire {
  readonly connection: WireHost;
  readonly generation: number;
  /** The option a PACKET_TOO_LARGE names (spec R83). */
  readonly packetLimitOption: string;
}

/** The decoder's options and sink for one transport: what it decodes goes to the connection. */
class Packets implements WireSink {
  readonly #wire: PacketsWire;
  constructor(
    wire: PacketsWire,
    readonly maxPacketBytes: number,
  ) {
    this.#wire = wire;
  }
  onPacket(packet: WirePacket): void {
    const wire = this.#wire;
    wire.connection.packetArrived(wire.generation, packet);
  }
  onError(error: MqttError): void {
    const wire = this.#wire;
    const data =
      error instanceof SizeLimitError
        ? new SizeLimitError('PACKET_TOO_LARGE', error.size, error.limit, wire.packetLimitOption).toData()
        : error.toData();
    wire.connection.failed(wire.generation, data);
  }
}

/** One transport's handlers (see {@link handlers}) and its decoder. */
class Wire implements TransportHandlers, WireState {
  /** This transport's `onClose` was seen. */
  closed = false;
  readonly decoder: Decoder;
  /** The shared handlers, as this wire's own properties (see {@link handlers}). */
  declare readonly onOpen: typeof handlers.onOpen;
  declare readonly onData: typeof handlers.onData;
  declare readonly onError: typeof handlers.onError;
  declare readonly onDrain: typeof handlers.onDrain;
  declare readonly onClose: typeof handlers.onClose;
  constructor(
    readonly connection: WireHost,
    readonly generation: number,
    maxPacketBytes: number,
    /** The option a PACKET_TOO_LARGE names (spec R83). */
    readonly packetLimitOption: string,
    tracer: Tracer | undefined,
    profile: WireProfile,
  ) {
    Object.assign(this, handlers);
    const packets = new Packets(this, maxPacketBytes);
    this.decoder = profile.decoder(
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
}

/** What {@link openWire} reads of the client's options: the incoming packet limit's defaults. */
export type WireConfig = Pick<LifecycleClientOptions, 'profile' | 'maxIncomingPacketBytes'>;

/** The largest packet accepted from server `s`, in bytes (spec R83); MQTT 5 announces it (R236). */
export function incomingLimit(s: NormalisedServer, config: WireConfig): number {
  return (
    s.maxIncomingPacketBytes ??
    config.maxIncomingPacketBytes ??
    (config.profile === 'mongoose' ? 3072 : MAX_PACKET_BYTES)
  );
}

/**
 * Opens server `server`'s transport as generation `generation` of `connection`.
 * @param tracer - Decided once per connection, so a client without a logger pays nothing per packet.
 * @param profile - The protocol version's decoder and transport (spec R235).
 * @returns The new transport.
 */
export function openWire(
  connection: WireHost,
  generation: number,
  server: number,
  s: NormalisedServer,
  config: WireConfig,
  tracer: Tracer | undefined,
  profile: WireProfile,
): Transport {
  const maxPacketBytes = incomingLimit(s, config);
  const option =
    s.maxIncomingPacketBytes !== undefined
      ? `servers[${server}].maxIncomingPacketBytes`
      : 'maxIncomingPacketBytes';
  const wire = new Wire(connection, generation, maxPacketBytes, option, tracer, profile);
  const open = tracer === undefined ? s.transport : tracer.wrap(s.transport);
  return profile.transport(
    open(
      {
        scheme: s.protocol,
        host: s.host,
        port: s.port,
        // Only the WebSocket URL: an mqtt:// URL as given may carry a password.
        url: s.protocol === 'ws' || s.protocol === 'wss' ? s.url : undefined,
        tls: s.tls,
      },
      wire,
    ),
    connection,
  );
}
