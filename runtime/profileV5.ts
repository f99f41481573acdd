/**
 * The MQTT 5 wire profile (spec R236-R241): the v5 CONNECT, the validating v5 decoder with its
 * packets turned into the session's shapes, CONNACK read with the standard's defaults, the
 * session's 3.1.1 bytes upgraded on their way out, and a DISCONNECT with the violation's reason
 * code before the connection closes for a broker's protocol error. Internal: not in the index.
 *
 * @module
 */
import {
  ConnackError,
  type ErrorData,
  errorFromData,
  InvalidArgumentError,
  type MqttError,
  type ProtocolError,
  ServerDisconnectError,
} from '../errors.js';
import type { ConnectionEvent } from '../machines/events.js';
import type { ConnectOptions } from '../protocol/connect.js';
import { MAX_PACKET_BYTES } from '../protocol/decoder.js';
import type { SentConnect } from '../protocol/decoderRules.js';
import { OUTBOUND_REFUSALS } from '../protocol/outboundRefusals.js';
import { brokerTermsOf } from '../protocol/v5/capabilities.js';
import { readConnackV5, type SentConnectV5, sentConnectOf } from '../protocol/v5/connack.js';
import { buildConnectV5 } from '../protocol/v5/connect.js';
import { createV5Decoder } from '../protocol/v5/decoder.js';
import { encodeAuth, encodeDisconnectV5 } from '../protocol/v5/encode.js';
import { encodeConnectV5 } from '../protocol/v5/encodeConnect.js';
import type { V5Auth, V5Connack, V5Disconnect } from '../protocol/v5/packets.js';
import { violation } from '../protocol/v5/reader.js';
import { hex, PACKET_TOO_LARGE, PROTOCOL_ERROR, reasonName } from '../protocol/v5/reasonCodes.js';
import { InboundTopicAliases } from '../protocol/v5/topicAlias.js';
import { AUTH_RUNTIME, type AuthOwner, type AuthSession } from './authSession.js';
import { stepWholeChart } from './chartStepV5.js';
import { createOutboundProps, type OutboundPropsFactory } from './outboundProps.js';
import type { Mqtt5Profile, Transport } from './ports.js';
import type { Connack, PropsHost, Refer, WireProfile, WireSink, WrittenConnect } from './profile.js';
import { type RequestClient, type Requester, requesterOf } from './request.js';
import { ReferencedServers } from './serverReference.js';
import { checkV5Server } from './v5ServerCheck.js';
import { toSession } from './v5Session.js';
import { type V5Link, V5Transport } from './v5Transport.js';

/** Disconnect with Will Message: the client's DISCONNECT that asks for its will (3.14.2.1). */
const DISCONNECT_WITH_WILL = 0x04;

/** Session Expiry Interval "never": what 3.1.1's clean session 0 means (spec R236). */
const NEVER_EXPIRES = 0xffff_ffff;

/**
 * Each connection's decoder-side link, by the CONNACK it decoded: `negotiated` hands it to the
 * same connection's transport (the profile makes the two apart, so the CONNACK joins them).
 */
const LINKS = new WeakMap<V5Connack, V5Link>();

/**
 * The message of a CONNACK refusal's `ConnackError` (spec R242): the code's name in the standard
 * and the code, `connection refused: Server busy (reason code 0x89)`.
 */
export const refusal = (code: number): string =>
  `connection refused: ${reasonName(code, 'CONNACK')} (reason code ${hex(code)})`;

/** How the MQTT 5 profile uses topic aliases (spec R250, R251). */
export interface Mqtt5ProfileOptions {
  /**
   * The Topic Alias Maximum the client announces in CONNECT: how many aliases the broker may use
   * in the PUBLISHes it sends (0: none, and a PUBLISH with an alias closes the connection).
   * @default 10 (mosquitto's own default; ten topic strings per connection)
   */
  readonly topicAliasMaximum?: number;
  /**
   * The most aliases the client uses for the topics it publishes, within the broker's Topic Alias
   * Maximum (0: none, every PUBLISH carries its topic).
   * @default 64
   */
  readonly outboundTopicAliases?: number;
}

/**
 * The MQTT 5 wire profile, which also makes the table of outbound properties (spec R290) and a
 * client's requester (R297, R350): what only MQTT 5 runs lives behind it, so that a client built
 * without it (the default browser one) carries none of that code.
 */
export type V5WireProfile = WireProfile & {
  readonly version: 5;
  readonly createOutboundProps: OutboundPropsFactory;
  /** The client's requester for `request()` / `request$` (R297-R299, R350), made on first use. */
  readonly requester: (client: RequestClient) => Requester;
  /** The typed error of error data, MQTT 5's codes included (R82, R355). */
  readonly errorFromData: (data: ErrorData) => MqttError;
};

/** The default of {@link Mqtt5ProfileOptions.topicAliasMaximum}. */
export const DEFAULT_TOPIC_ALIAS_MAXIMUM = 10;
/** The default of {@link Mqtt5ProfileOptions.outboundTopicAliases}. */
export const DEFAULT_OUTBOUND_TOPIC_ALIASES = 64;

function checkAliasCount(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new InvalidArgumentError(`${name} must be an integer from 0 to 65535, got ${value}`);
  }
  return value;
}

/**
 * The MQTT 5 wire profile with its topic-alias settings (spec R235-R241, R249-R255).
 * @throws {@link InvalidArgumentError} for a count outside 0-65535.
 */
export function createV5Profile(options: Mqtt5ProfileOptions = {}): V5WireProfile {
  const inboundMaximum = checkAliasCount(
    options.topicAliasMaximum ?? DEFAULT_TOPIC_ALIAS_MAXIMUM,
    'topicAliasMaximum',
  );
  const outbound = checkAliasCount(
    options.outboundTopicAliases ?? DEFAULT_OUTBOUND_TOPIC_ALIASES,
    'outboundTopicAliases',
  );
  // R364: a client with this profile may hear MQTT 5 events, so the chart step steps the whole
  // chart (made before the client, as the profile is its option); without it, the 3.1.1 base.
  stepWholeChart();
  return Object.freeze({
    version: 5 as const,
    // R290: the table of outbound MQTT 5 properties, here so a 3.1.1-only bundle carries none of it.
    createOutboundProps,
    // R350: request / response needs Response Topic and Correlation Data, which only MQTT 5 has.
    requester: requesterOf,
    errorFromData,
    connect(
      options: ConnectOptions & { readonly sessionExpiryInterval?: number },
      maxPacketBytes: number,
    ): WrittenConnect {
      const clean = options.clean ?? true;
      // 3.1.1's clean session 0 keeps the session until the next clean one: Session Expiry "never",
      // unless the server's `sessionExpirySec` says otherwise (R319); 0 is the same as none.
      const expiry = options.sessionExpiryInterval ?? (clean ? 0 : NEVER_EXPIRES);
      const { sessionExpiryInterval: _given, ...rest } = options;
      const packet = buildConnectV5({
        ...rest,
        clean,
        ...(expiry === 0 ? {} : { sessionExpiryInterval: expiry }),
        ...(maxPacketBytes < MAX_PACKET_BYTES ? { maximumPacketSize: maxPacketBytes } : {}),
        ...(inboundMaximum > 0 ? { topicAliasMaximum: inboundMaximum } : {}),
      });
      return { bytes: encodeConnectV5(packet), sent: sentConnectOf(packet) };
    },
    decoder(sink: WireSink) {
      // One per connection: no alias outlives it [MQTT-3.3.2-7].
      const aliases = new InboundTopicAliases(inboundMaximum);
      const link: V5Link = { refused: new Map(), deliver: (p) => sink.onPacket(p) };
      return createV5Decoder({
        maxPacketBytes: sink.maxPacketBytes,
        onPacket(packet) {
          // The CONNACK carries the link to this connection's transport (`negotiated`).
          if (packet.cmd === 'connack') LINKS.set(packet, link);
          const p = toSession(packet, aliases, link);
          if (p instanceof Error) sink.onError(p);
          else sink.onPacket(p);
        },
        onError: (error) => sink.onError(error),
      });
    },
    answerConnack(
      packet: Connack | V5Connack,
      handshaking: boolean,
      sent: SentConnect | SentConnectV5 | undefined,
      refer: Refer,
    ): ConnectionEvent | ProtocolError {
      if (!handshaking || sent === undefined || !('keepalive' in sent)) {
        return violation(PROTOCOL_ERROR, 'CONNACK when none was awaited [MQTT-3.2.0-2]');
      }
      // The v5 decoder makes only v5 CONNACKs.
      const terms = readConnackV5(packet as V5Connack, sent);
      if (terms instanceof Error) return terms;
      const serverKeepAlive = (packet as V5Connack).properties?.serverKeepAlive;
      const reference = terms.serverReference === undefined ? [] : refer(terms.serverReference);
      // Optional fields only when present: the event is journalled, and has no `undefined` values.
      return Object.assign(
        {
          type: 'mqtt5.connack' as const,
          reasonCode: terms.reasonCode,
          sessionPresent: terms.sessionPresent,
        },
        reference.length > 0 ? { serverReference: reference } : {},
        serverKeepAlive === undefined ? {} : { serverKeepAliveMs: serverKeepAlive * 1000 },
        terms.clientIdAssigned ? { assignedClientId: terms.clientId } : {},
        terms.accepted
          ? {}
          : { error: new ConnackError(terms.reasonCode, refusal(terms.reasonCode)).toData() },
      );
    },
    answerDisconnect(packet: V5Disconnect, refer: Refer): ConnectionEvent {
      const why = packet.properties?.reasonString;
      const error = new ServerDisconnectError(
        packet.reasonCode,
        `the server sent DISCONNECT: ${reasonName(packet.reasonCode, 'DISCONNECT')} (reason code ${hex(packet.reasonCode)})${why === undefined ? '' : `: ${why}`}`,
      ).toData();
      const text = packet.properties?.serverReference;
      const reference = text === undefined ? [] : refer(text);
      return reference.length > 0
        ? { type: 'mqtt5.disconnect', reasonCode: packet.reasonCode, serverReference: reference, error }
        : { type: 'mqtt5.disconnect', reasonCode: packet.reasonCode, error };
    },
    answerPacket(
      packet: V5Auth | V5Disconnect,
      auth: AuthSession | undefined,
      sent: SentConnect | SentConnectV5 | undefined,
      snapshot: { matches(value: object): boolean },
      refer: Refer,
    ): ConnectionEvent | ErrorData {
      return packet.cmd === 'disconnect'
        ? this.answerDisconnect(packet, refer)
        : AUTH_RUNTIME.answer(auth, sent, packet, snapshot);
    },
    // The v5 decoder makes only v5 CONNACKs.
    receiveMaximum: (packet: Connack | V5Connack): number =>
      (packet as V5Connack).properties?.receiveMaximum ?? 65_535,
    reasonName: (code: number, packet: 'PUBACK' | 'PUBREC' | 'SUBACK' | 'UNSUBACK'): string =>
      reasonName(code, packet),
    encodeAuth: (reasonCode: number, method: string, data: Uint8Array | undefined): Uint8Array =>
      encodeAuth(
        reasonCode,
        data === undefined
          ? { authenticationMethod: method }
          : { authenticationMethod: method, authenticationData: data },
      ),
    connectOptions(
      options: ConnectOptions,
      server: { readonly sessionExpirySec?: number | undefined },
      owner: AuthOwner,
    ): ConnectOptions {
      // R319: read by the MQTT 5 CONNECT encoder (the 3.1.1 options have no such field).
      if (server.sessionExpirySec !== undefined)
        Object.assign(options, { sessionExpiryInterval: server.sessionExpirySec });
      const auth = AUTH_RUNTIME.session(owner);
      // R310: a fresh exchange per CONNECT.
      return auth === undefined ? options : Object.assign(options, { authentication: auth.connect() });
    },
    authentication: AUTH_RUNTIME,
    // R351: Server Reference is MQTT 5's; its table comes with the profile.
    referencedServers: (): ReferencedServers => new ReferencedServers(),
    transport: (inner: Transport, host?: PropsHost): Transport => new V5Transport(inner, outbound, host),
    negotiated(packet: Connack | V5Connack, transport: Transport | null): void {
      // The v5 decoder makes only v5 CONNACKs, and this profile only V5Transports.
      if (transport instanceof V5Transport) {
        transport.negotiated(brokerTermsOf((packet as V5Connack).properties));
        transport.link = LINKS.get(packet as V5Connack);
      }
    },
    admit(transport: Transport | null, length: number, qos: 0 | 1 | 2, retain: boolean, packetId: number) {
      return transport instanceof V5Transport ? transport.admit(length, qos, retain, packetId) : undefined;
    },
    disconnectWithWill: (): Uint8Array => encodeDisconnectV5(DISCONNECT_WITH_WILL),
    // R362: a will's properties and the Session Expiry Interval are MQTT 5's settings.
    checkServer: checkV5Server,
    // R354: only an MQTT 5 broker refuses a publish (R244) or queued messages by its terms (R252).
    refusals: OUTBOUND_REFUSALS,
    farewell(error: ErrorData): Uint8Array | undefined {
      if (error.code === 'PROTOCOL_ERROR') return encodeDisconnectV5(error.reasonCode ?? PROTOCOL_ERROR);
      if (error.code === 'PACKET_TOO_LARGE') return encodeDisconnectV5(PACKET_TOO_LARGE);
      return undefined;
    },
  });
}

/** MQTT 5 with the default topic-alias settings (spec R235-R241, R249-R255). */
export const V5_PROFILE: V5WireProfile = createV5Profile();

/**
 * The MQTT 5 profile with its topic-alias settings, for the client's `mqtt5` option (spec R250,
 * R251); without options it is the Node entry's default.
 * @throws {@link InvalidArgumentError} for a count outside 0-65535.
 * @example
 * new MqttClient({ servers, protocolVersion: 5, mqtt5: mqtt5Profile({ topicAliasMaximum: 0 }) });
 */
export const mqtt5Profile = (options: Mqtt5ProfileOptions = {}): Mqtt5Profile => createV5Profile(options);
