/**
 * Encoders for the MQTT 5 packets a client sends after CONNECT (spec R147): PUBLISH, the four
 * acknowledgements, DISCONNECT, AUTH and PINGREQ. Like the 3.1.1 encoders they measure first and
 * allocate once, and validate nothing: the caller passes ids, reason codes and properties the
 * standard allows (the types keep out the properties a packet may not carry; the table of
 * `properties.ts` decides which are written and in what order).
 */
import type { QoS } from '../encode.js';
import { alloc, utf8ByteLength, varintSize, writeUint16, writeUtf8, writeVarint } from '../encodeBytes.js';
import type { AckProperties, AuthProperties, DisconnectProperties, PublishProperties } from './properties.js';
import { blockSize, propertiesSize, writeProperties } from './propertyCodec.js';

export { encodePingreq as encodePingreqV5 } from '../encode.js';

/** The properties a client may put in a PUBLISH: a Subscription Identifier only comes from the server [MQTT-3.3.4-6]. */
export type OutboundPublishProperties = Omit<PublishProperties, 'subscriptionIdentifier'>;

/** The properties a client may put in a DISCONNECT (all of them; Server Reference is the server's). */
export type OutboundDisconnectProperties = Omit<DisconnectProperties, 'serverReference'>;

/** Fixed-header first bytes of the acknowledgements; PUBREL carries the flags 0b0010 [MQTT-3.6.1-1]. */
const ACK_FIRST = { puback: 0x40, pubrec: 0x50, pubrel: 0x62, pubcomp: 0x70 } as const;

/** One of the four publish acknowledgements. */
export type AckCmd = keyof typeof ACK_FIRST;

/**
 * Encodes an MQTT 5 PUBLISH in one allocation (3.3).
 *
 * @param topic - The topic name, or `''` when `properties.topicAlias` stands for it.
 * @param payload - The payload; a string is written as UTF-8.
 * @param qos - The QoS.
 * @param retain - The RETAIN flag.
 * @param dup - The DUP flag (re-sends only, never QoS 0).
 * @param packetId - Written only when `qos > 0`.
 * @param properties - The publication's properties.
 * @returns The whole packet.
 */
export function encodePublishV5(
  topic: string,
  payload: Uint8Array | string,
  qos: QoS,
  retain: boolean,
  dup: boolean,
  packetId: number,
  properties?: OutboundPublishProperties,
): Uint8Array {
  const sizes = measurePublishV5(topic, payload, qos, properties);
  const buf = alloc(sizes.total);
  encodePublishIntoV5(buf, 0, topic, payload, qos, retain, dup, packetId, properties, sizes);
  return buf;
}

/** What {@link measurePublishV5} found: the packet's size and its parts, reused when writing. */
export interface PublishSizesV5 {
  /** The whole packet, fixed header included. */
  readonly total: number;
  /** The topic's UTF-8 length. */
  readonly topicBytes: number;
  /** The payload's length. */
  readonly payloadBytes: number;
  /** The properties' length, without their length prefix. */
  readonly propertiesBytes: number;
}

/**
 * Measures an MQTT 5 PUBLISH, for a caller that checks it against the broker's Maximum Packet
 * Size or writes it into a buffer of its own ({@link encodePublishIntoV5}).
 *
 * @param topic - The topic name (or `''` with a Topic Alias).
 * @param payload - The payload; a string counts its UTF-8 bytes.
 * @param qos - The QoS (a packet id is added above 0).
 * @param properties - The publication's properties.
 * @returns The sizes.
 */
export function measurePublishV5(
  topic: string,
  payload: Uint8Array | string,
  qos: QoS,
  properties?: OutboundPublishProperties,
): PublishSizesV5 {
  const topicBytes = utf8ByteLength(topic);
  const payloadBytes = typeof payload === 'string' ? utf8ByteLength(payload) : payload.length;
  const propertiesBytes = propertiesSize(properties, 'PUBLISH');
  const remaining = 2 + topicBytes + (qos > 0 ? 2 : 0) + blockSize(propertiesBytes) + payloadBytes;
  return { total: 1 + varintSize(remaining) + remaining, topicBytes, payloadBytes, propertiesBytes };
}

/**
 * Writes an MQTT 5 PUBLISH into `buf` at `offset` (the zero-copy path into a transport's buffer);
 * `buf` must have `sizes.total` bytes free there.
 *
 * @param sizes - From {@link measurePublishV5} for the same topic, payload, QoS and properties.
 * @returns The offset after the packet.
 */
export function encodePublishIntoV5(
  buf: Uint8Array,
  offset: number,
  topic: string,
  payload: Uint8Array | string,
  qos: QoS,
  retain: boolean,
  dup: boolean,
  packetId: number,
  properties: OutboundPublishProperties | undefined,
  sizes: PublishSizesV5,
): number {
  const { topicBytes, payloadBytes, propertiesBytes } = sizes;
  const remaining = 2 + topicBytes + (qos > 0 ? 2 : 0) + blockSize(propertiesBytes) + payloadBytes;
  buf[offset] = 0x30 | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 0x01 : 0);
  let at = writeUint16(buf, writeVarint(buf, offset + 1, remaining), topicBytes);
  at = writeUtf8(buf, at, topic, topicBytes);
  if (qos > 0) at = writeUint16(buf, at, packetId);
  at = writeProperties(buf, at, properties, 'PUBLISH', propertiesBytes);
  if (typeof payload === 'string') return writeUtf8(buf, at, payload, payloadBytes);
  buf.set(payload, at);
  return at + payloadBytes;
}

/**
 * Encodes PUBACK, PUBREC, PUBREL or PUBCOMP (3.4-3.7) in its shortest form: remaining length 2
 * for success without properties, 3 for a reason code without properties [3.4.2.1].
 *
 * @param cmd - Which acknowledgement.
 * @param packetId - The id acknowledged.
 * @param reasonCode - The reason code (one the table allows in `cmd`).
 * @param properties - Reason String and User Properties.
 * @returns The whole packet.
 */
export function encodeAckV5(
  cmd: AckCmd,
  packetId: number,
  reasonCode = 0,
  properties?: AckProperties,
): Uint8Array {
  const place =
    cmd === 'puback' ? 'PUBACK' : cmd === 'pubrec' ? 'PUBREC' : cmd === 'pubrel' ? 'PUBREL' : 'PUBCOMP';
  const propsLength = propertiesSize(properties, place);
  const remaining = propsLength > 0 ? 3 + blockSize(propsLength) : reasonCode !== 0 ? 3 : 2;
  const buf = alloc(1 + varintSize(remaining) + remaining);
  buf[0] = ACK_FIRST[cmd];
  let at = writeUint16(buf, writeVarint(buf, 1, remaining), packetId);
  if (remaining === 2) return buf;
  buf[at++] = reasonCode;
  if (propsLength > 0) writeProperties(buf, at, properties, place, propsLength);
  return buf;
}

/**
 * Encodes a DISCONNECT (3.14): remaining length 0 for a normal disconnection without properties.
 *
 * @param reasonCode - 0x00 normal, 0x04 to have the will published, or an error (0x81, 0x82 ...).
 * @param properties - Session Expiry Interval, Reason String, User Properties.
 * @returns The whole packet.
 */
export function encodeDisconnectV5(reasonCode = 0, properties?: OutboundDisconnectProperties): Uint8Array {
  return encodeReasonOnly(0xe0, 'DISCONNECT', reasonCode, properties);
}

/**
 * Encodes an AUTH (3.15): remaining length 0 for success without properties.
 *
 * @param reasonCode - 0x18 continue authentication, 0x19 re-authenticate, 0x00 success.
 * @param properties - Authentication Method (required unless both are omitted) and Data, Reason String, User Properties.
 * @returns The whole packet.
 */
export function encodeAuth(reasonCode: number, properties?: AuthProperties): Uint8Array {
  return encodeReasonOnly(0xf0, 'AUTH', reasonCode, properties);
}

function encodeReasonOnly(
  first: number,
  place: 'DISCONNECT' | 'AUTH',
  reasonCode: number,
  properties: DisconnectProperties | AuthProperties | undefined,
): Uint8Array {
  const propsLength = propertiesSize(properties, place);
  const remaining = propsLength > 0 ? 1 + blockSize(propsLength) : reasonCode !== 0 ? 2 : 0;
  const buf = alloc(1 + varintSize(remaining) + remaining);
  buf[0] = first;
  const at = writeVarint(buf, 1, remaining);
  if (remaining === 0) return buf;
  buf[at] = reasonCode;
  // With no properties the block is just its zero length: AUTH needs it [3.15.2.1].
  writeProperties(buf, at + 1, properties, place, propsLength);
  return buf;
}
