/**
 * The MQTT 5 wire profile (spec R236-R241): the v5 CONNECT, the validating v5 decoder with its
 * packets turned into the session's shapes, CONNACK read with the standard's defaults, the
 * session's 3.1.1 bytes upgraded on their way out, and a DISCONNECT with the violation's reason
 * code before the connection closes for a broker's protocol error. Internal: not in the index.
 *
 * @module
 */
import { ConnackError, type ErrorData, type ProtocolError, ServerDisconnectError } from '../errors.js';
import type { ConnectionEvent } from '../machines/events.js';
import type { ConnectOptions } from '../protocol/connect.js';
import { MAX_PACKET_BYTES } from '../protocol/decoder.js';
import type { SentConnect } from '../protocol/decoderRules.js';
import { readConnackV5, type SentConnectV5, sentConnectOf } from '../protocol/v5/connack.js';
import { buildConnectV5 } from '../protocol/v5/connect.js';
import { createV5Decoder } from '../protocol/v5/decoder.js';
import { encodeDisconnectV5 } from '../protocol/v5/encode.js';
import { encodeConnectV5 } from '../protocol/v5/encodeConnect.js';
import { payloadFormatInvalid, receivedProperties } from '../protocol/v5/messageProps.js';
import type { V5Connack, V5Disconnect, V5InboundPacket } from '../protocol/v5/packets.js';
import { violation } from '../protocol/v5/reader.js';
import { hex, PACKET_TOO_LARGE, PROTOCOL_ERROR, reasonName } from '../protocol/v5/reasonCodes.js';
import { upgradeToV5 } from '../protocol/v5/upgrade.js';
import { OutboundProps, type OutboundPropsFactory, type OutboundPropsHost } from './outboundProps.js';
import type { Transport } from './ports.js';
import type {
  Connack,
  PropsHost,
  Refer,
  WirePacket,
  WireProfile,
  WireSink,
  WrittenConnect,
} from './profile.js';

/** Payload format invalid: a PUBLISH whose payload is not what its indicator says (R294). */
const PAYLOAD_FORMAT_INVALID = 0x99;

/** Topic Alias Invalid: the client announces no Topic Alias Maximum, so it accepts no alias. */
const TOPIC_ALIAS_INVALID = 0x94;

/** Session Expiry Interval "never": what 3.1.1's clean session 0 means (spec R236). */
const NEVER_EXPIRES = 0xffff_ffff;

/**
 * A v5 packet in the shape the session reads (the 3.1.1 decoder's), or the error it is: an AUTH
 * the client did not ask for, a Topic Alias it did not allow (spec R241). CONNACK and a server
 * DISCONNECT go to the connection as they are, for {@link V5_PROFILE.answerConnack} and
 * {@link V5_PROFILE.answerDisconnect} (spec R240, R246).
 */
function toSession(p: V5InboundPacket): WirePacket | MqttFailure {
  switch (p.cmd) {
    case 'publish':
      if (p.properties?.topicAlias !== undefined) {
        return violation(
          TOPIC_ALIAS_INVALID,
          'PUBLISH carries a Topic Alias, but the client announced no Topic Alias Maximum [3.3.2.3.4]',
        );
      }
      // R294: a payload that is not the UTF-8 its indicator says is refused with DISCONNECT 0x99.
      if (payloadFormatInvalid(p.payload, p.properties)) {
        return violation(
          PAYLOAD_FORMAT_INVALID,
          `PUBLISH to ${JSON.stringify(p.topic)} says its payload is UTF-8 (Payload Format Indicator 1), and it is not [3.3.2.3.2]`,
        );
      }
      return p.messageId === undefined
        ? {
            cmd: 'publish',
            topic: p.topic,
            payload: p.payload,
            qos: p.qos,
            dup: p.dup,
            retain: p.retain,
            messageProperties: receivedProperties(p.properties),
          }
        : {
            cmd: 'publish',
            topic: p.topic,
            payload: p.payload,
            qos: p.qos,
            dup: p.dup,
            retain: p.retain,
            messageId: p.messageId,
            messageProperties: receivedProperties(p.properties),
          };
    case 'puback':
    case 'pubrec':
      // A failure code refuses the publish (R244); success codes need not travel.
      return p.reasonCode >= 0x80
        ? { cmd: p.cmd, messageId: p.messageId, reasonCode: p.reasonCode }
        : { cmd: p.cmd, messageId: p.messageId };
    case 'pubrel':
    case 'pubcomp':
      return { cmd: p.cmd, messageId: p.messageId };
    case 'suback':
      // MQTT 5 failure codes are 0x80 and above, as 3.1.1's one: the session refuses them alike.
      return { cmd: 'suback', messageId: p.messageId, granted: [...p.reasonCodes] };
    case 'unsuback':
      return { cmd: 'unsuback', messageId: p.messageId, granted: [] };
    case 'auth':
      return violation(
        PROTOCOL_ERROR,
        'AUTH, but the CONNECT named no Authentication Method [MQTT-3.1.2-30]',
      );
    default:
      return p;
  }
}

type MqttFailure = ProtocolError;

/**
 * The transport of an MQTT 5 connection: what the session writes is upgraded (spec R238), and
 * there is no zero-copy `reserve`, so QoS 0 goes through `write` too.
 */
function upgradingTransport(inner: Transport, host?: PropsHost): Transport {
  const t: Transport = {
    // R290: a PUBLISH with properties gets them; every other packet the empty block (R238).
    write: (bytes) => inner.write(host?.outboundProps?.upgrade(bytes) ?? upgradeToV5(bytes)),
    get bufferedBytes() {
      return inner.bufferedBytes;
    },
    get needsDrain() {
      return inner.needsDrain;
    },
    end: () => inner.end(),
    destroy: () => inner.destroy(),
  };
  // Optional members stay absent when the transport lacks them: callers test for them.
  const whenFlushed = inner.whenFlushed;
  const ref = inner.ref;
  const unref = inner.unref;
  return Object.assign(
    t,
    whenFlushed === undefined ? {} : { whenFlushed: whenFlushed.bind(inner) },
    ref === undefined ? {} : { ref: ref.bind(inner) },
    unref === undefined ? {} : { unref: unref.bind(inner) },
  );
}

/**
 * The message of a CONNACK refusal's `ConnackError` (spec R242): the code's name in the standard
 * and the code, `connection refused: Server busy (reason code 0x89)`.
 */
export const refusal = (code: number): string =>
  `connection refused: ${reasonName(code, 'CONNACK')} (reason code ${hex(code)})`;

/** MQTT 5 (spec R235-R241). */
export const V5_PROFILE: WireProfile & {
  readonly version: 5;
  readonly createOutboundProps: OutboundPropsFactory;
} = Object.freeze({
  version: 5 as const,
  // R290: the table of outbound MQTT 5 properties, here so a 3.1.1-only bundle carries none of it.
  createOutboundProps: (host: OutboundPropsHost) => new OutboundProps(host),
  connect(options: ConnectOptions, maxPacketBytes: number): WrittenConnect {
    const clean = options.clean ?? true;
    const packet = buildConnectV5({
      ...options,
      clean,
      // 3.1.1's clean session 0 keeps the session until the next clean one: Session Expiry "never".
      ...(clean ? {} : { sessionExpiryInterval: NEVER_EXPIRES }),
      ...(maxPacketBytes < MAX_PACKET_BYTES ? { maximumPacketSize: maxPacketBytes } : {}),
    });
    return { bytes: encodeConnectV5(packet), sent: sentConnectOf(packet) };
  },
  decoder(sink: WireSink) {
    return createV5Decoder({
      maxPacketBytes: sink.maxPacketBytes,
      onPacket(packet) {
        const p = toSession(packet);
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
      { type: 'mqtt5.connack' as const, reasonCode: terms.reasonCode, sessionPresent: terms.sessionPresent },
      reference.length > 0 ? { serverReference: reference } : {},
      serverKeepAlive === undefined ? {} : { serverKeepAliveMs: serverKeepAlive * 1000 },
      terms.clientIdAssigned ? { assignedClientId: terms.clientId } : {},
      terms.accepted ? {} : { error: new ConnackError(terms.reasonCode, refusal(terms.reasonCode)).toData() },
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
  // The v5 decoder makes only v5 CONNACKs.
  receiveMaximum: (packet: Connack | V5Connack): number =>
    (packet as V5Connack).properties?.receiveMaximum ?? 65_535,
  reasonName: (code: number, packet: 'PUBACK' | 'PUBREC' | 'SUBACK'): string => reasonName(code, packet),
  transport: upgradingTransport,
  farewell(error: ErrorData): Uint8Array | undefined {
    if (error.code === 'PROTOCOL_ERROR') return encodeDisconnectV5(error.reasonCode ?? PROTOCOL_ERROR);
    if (error.code === 'PACKET_TOO_LARGE') return encodeDisconnectV5(PACKET_TOO_LARGE);
    return undefined;
  },
});
