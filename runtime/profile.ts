/**
 * The one seam between the protocol versions (spec R235-R238): a connection picks a wire profile
 * when it opens a transport, from its server's `protocolVersion`, and everything that differs
 * between MQTT 3.1.1 and MQTT 5 goes through it: the CONNECT, the decoder, what a CONNACK means,
 * the transport the session writes to, and the DISCONNECT sent before closing on an error. The
 * session and the statechart never ask which version they speak. The 3.1.1 profile is the code
 * that ran before there was a seam: its transport is the transport itself, so the 3.1.1 hot path
 * (QoS 0 straight into the transport's buffer) is unchanged. Internal: not in the index.
 *
 * @module
 */
import { type ErrorData, type MqttError, ProtocolError } from '../errors.js';
import type { ConnectionEvent } from '../machines/events.js';
import { type ConnectOptions, encodeConnect } from '../protocol/connect.js';
import { createDecoder, type Decoder, type InboundPacket } from '../protocol/decoder.js';
import { checkConnackAnswers, type SentConnect } from '../protocol/decoderRules.js';
import type { OutboundRefusals } from '../protocol/outboundRefusals.js';
import type { SentConnectV5 } from '../protocol/v5/connack.js';
import type { V5Auth, V5Connack, V5Disconnect } from '../protocol/v5/packets.js';
import type { AuthOwner, AuthRuntime, AuthSession } from './authSession.js';
import type { Transport } from './ports.js';
import type { ReferencedServers } from './serverReference.js';
import type { ServerConfig } from './servers.js';

/** What the connection receives from a profile's decoder. */
export type WirePacket = InboundPacket | V5Connack | V5Disconnect | V5Auth;

/**
 * Turns a Server Reference into the labels the statechart may see (spec R246): the connection
 * keeps the addresses.
 */
export type Refer = (serverReference: string) => string[];

/** A profile's decoder sink: packets in the session's shapes, and the one error that ends the stream. */
export interface WireSink {
  /** The largest packet accepted, in bytes (spec R83). */
  readonly maxPacketBytes: number;
  /** A decoded packet. */
  onPacket(packet: WirePacket): void;
  /** The broker broke the protocol, sent too large a packet, or (MQTT 5) sent DISCONNECT. */
  onError(error: MqttError): void;
}

/** What a CONNECT was written as: its bytes, and what the CONNACK is read against. */
export interface WrittenConnect {
  /** The encoded CONNECT. */
  readonly bytes: Uint8Array;
  /** What its CONNACK must agree with (spec R62, R152). */
  readonly sent: SentConnect | SentConnectV5;
}

/** The MQTT 5 properties of outbound publishes, by the PUBLISH they go into (spec R290). */
export interface OutboundPropsPort {
  /**
   * The MQTT 5 PUBLISH with properties for a 3.1.1 PUBLISH, or `undefined` when it has none;
   * with `alias`, its Topic Alias in the same property block (spec R305).
   */
  upgrade(
    packet: Uint8Array,
    alias?: { readonly alias: number; readonly known: boolean },
  ): Uint8Array | undefined;
  /**
   * The property block content length of publish `packetId` (0: the one not yet numbered), or
   * `undefined` when it has none (spec R249, R305).
   */
  propertyBytes(packetId: number): number | undefined;
  /**
   * The Subscription Identifier the SUBSCRIBE of `filter` will carry, if any (spec R255, R335):
   * for holding it against the broker's Subscription Identifiers Available.
   */
  subscriptionIdentifier?(filter: string): number | undefined;
}

/** What holds the {@link OutboundPropsPort}, read at each write (it is made on first use). */
export interface PropsHost {
  readonly outboundProps?: OutboundPropsPort | undefined;
}

/** Everything that differs between protocol versions on one connection. */
export interface WireProfile {
  /** 4 (MQTT 3.1.1) or 5. */
  readonly version: 4 | 5;
  /**
   * Encodes the CONNECT.
   * @param options - The CONNECT options (after the connect hook).
   * @param maxPacketBytes - The largest packet the client accepts (MQTT 5 announces it).
   * @throws {@link MqttError} when the options cannot be encoded.
   */
  connect(options: ConnectOptions, maxPacketBytes: number): WrittenConnect;
  /** A decoder for one transport's bytes. */
  decoder(sink: WireSink): Decoder;
  /**
   * What a CONNACK means: the statechart's `mqtt.connack` (MQTT 5: `mqtt5.connack`), or the
   * protocol error it is.
   * @param handshaking - Whether the statechart awaits a CONNACK.
   * @param sent - What the CONNECT on this transport asked for.
   * @param refer - Labels for a Server Reference (MQTT 5).
   */
  answerConnack(
    packet: Connack | V5Connack,
    handshaking: boolean,
    sent: SentConnect | SentConnectV5 | undefined,
    refer: Refer,
  ): ConnectionEvent | ProtocolError;
  /**
   * The table of servers that brokers referred a connection to (MQTT 5 Server Reference, spec
   * R246), made with the first reference (R351): 3.1.1 has none, so a 3.1.1-only bundle carries
   * none of its code.
   */
  referencedServers?(): ReferencedServers;
  /**
   * What an AUTH or a server DISCONNECT means (MQTT 5 only: a 3.1.1 decoder yields neither): an
   * AUTH checked by the profile's authentication, as the statechart's event or the error the
   * connection closes with (R316); a DISCONNECT as {@link WireProfile.answerDisconnect}.
   * @param auth - The client's authentication, if any.
   * @param sent - What the CONNECT on this transport asked for.
   * @param snapshot - Where the statechart is.
   * @param refer - Labels for a Server Reference.
   */
  answerPacket?(
    packet: V5Auth | V5Disconnect,
    auth: AuthSession | undefined,
    sent: SentConnect | SentConnectV5 | undefined,
    snapshot: { matches(value: object): boolean },
    refer: Refer,
  ): ConnectionEvent | ErrorData;
  /**
   * What a server DISCONNECT means (MQTT 5 only: a 3.1.1 decoder never yields one): the
   * statechart's `mqtt5.disconnect` (spec R240, R262).
   * @param refer - Labels for a Server Reference.
   */
  answerDisconnect?(packet: V5Disconnect, refer: Refer): ConnectionEvent;
  /**
   * How many QoS 1 and 2 publications the broker accepts at once, by its CONNACK (spec R243):
   * MQTT 5's Receive Maximum, 65535 when absent; MQTT 3.1.1 has no such limit (65535).
   */
  receiveMaximum(packet: Connack | V5Connack): number;
  /** The name of a reason code (MQTT 5), for the session's errors (spec R244, R245). */
  reasonName?(code: number, packet: 'PUBACK' | 'PUBREC' | 'SUBACK' | 'UNSUBACK'): string | undefined;
  /**
   * Encodes an AUTH (MQTT 5 only, spec R310-R313): here, so that a client that speaks 3.1.1 only
   * (the default browser one) carries no MQTT 5 encoder.
   */
  encodeAuth?(reasonCode: number, method: string, data: Uint8Array | undefined): Uint8Array;
  /**
   * MQTT 5's own CONNECT fields for `server` added to `options` (Session Expiry Interval R319, the
   * authentication exchange R310), here so that a 3.1.1-only bundle carries none of it.
   * @param owner - Where the client's authentication is kept (its connection).
   */
  connectOptions?(
    options: ConnectOptions,
    server: { readonly sessionExpirySec?: number | undefined },
    owner: AuthOwner,
  ): ConnectOptions;
  /** Enhanced authentication (MQTT 5 only, spec R310-R316); absent: AUTH is not spoken. */
  readonly authentication?: AuthRuntime;
  /**
   * The transport as the connection and session write to it.
   * @param host - Where MQTT 5 finds the properties of outbound publishes (spec R290).
   */
  transport(transport: Transport, host?: PropsHost): Transport;
  /**
   * An accepted CONNACK's terms for the rest of the connection (MQTT 5: Maximum Packet Size,
   * capabilities, Topic Alias Maximum, spec R249-R255); 3.1.1 has none.
   * @param transport - The current transport, as {@link WireProfile.transport} made it.
   */
  negotiated?(packet: Connack | V5Connack, transport: Transport | null): void;
  /**
   * Whether a QoS 1 or 2 PUBLISH whose 3.1.1 form is `length` bytes may go to the broker, by its
   * CONNACK (MQTT 5, spec R249, R253, R254): the typed error, or `undefined`. 3.1.1 has none, so
   * its publish path pays nothing. `packetId` (0: not yet numbered) names the publish whose MQTT 5
   * properties count in its size (R305).
   */
  admit?(
    transport: Transport | null,
    length: number,
    qos: 0 | 1 | 2,
    retain: boolean,
    packetId: number,
  ): MqttError | undefined;
  /**
   * Checks what only an MQTT 5 server's config says (its will's `properties`, `sessionExpirySec`)
   * when a client is constructed (R362); 3.1.1 servers may set neither.
   * @throws {@link ConfigError} naming the offending key.
   */
  checkServer?(server: ServerConfig, key: string): void;
  /** What a broker's refusals do to the outbound flow (MQTT 5 only, spec R244, R252, R354). */
  readonly refusals?: OutboundRefusals;
  /**
   * The DISCONNECT to write before closing for `error` (spec R237); `undefined` for none.
   * @param error - Why the connection fails.
   */
  farewell(error: ErrorData): Uint8Array | undefined;
  /**
   * The client's own DISCONNECT asking the broker to publish the will (MQTT 5 reason code 0x04,
   * 3.14.2.1); absent in 3.1.1, which has no way to ask: its DISCONNECT discards the will.
   */
  disconnectWithWill?(): Uint8Array;
}

// What a CONNECT asked for, shared: an idle client keeps its last one until the next CONNECT.
const SENT_CLEAN: SentConnect = Object.freeze({ clean: true });
const SENT_SESSION: SentConnect = Object.freeze({ clean: false });

/** MQTT 3.1.1: the codec, decoder and transport as they are. */
export const V4_PROFILE: WireProfile = Object.freeze({
  version: 4 as const,
  connect(options: ConnectOptions): WrittenConnect {
    return { bytes: encodeConnect(options), sent: (options.clean ?? true) ? SENT_CLEAN : SENT_SESSION };
  },
  decoder: createDecoder,
  // The 3.1.1 decoder makes only 3.1.1 CONNACKs.
  answerConnack: answerConnack as WireProfile['answerConnack'],
  receiveMaximum: (): number => 65_535,
  transport: (transport: Transport): Transport => transport,
  // A 3.1.1 client just closes the connection [MQTT-4.8.0-1].
  farewell: (): undefined => undefined,
});

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
