/**
 * Encoders for every packet an MQTT 3.1.1 client sends after CONNECT. They are hand-written rather
 * than delegated to `mqtt.generate` because PUBLISH is the hot path: each encoder measures first
 * and then makes exactly one allocation per packet.
 */
import {
  alloc,
  utf8ByteLength,
  utf8Bytes,
  varintSize,
  writeUint16,
  writeUtf8,
  writeVarint,
} from './encodeBytes.js';

/** The quality-of-service levels of MQTT 3.1.1. */
export type QoS = 0 | 1 | 2;

/** The largest remaining length the 4-byte varint can express [MQTT-2.2.3]. */
export const MAX_REMAINING_LENGTH = 268_435_455;

/**
 * The largest payload a PUBLISH can carry whatever its topic: the remaining-length limit minus the
 * biggest variable header (2-byte length prefix, a 65535-byte topic, a 2-byte packet id).
 */
export const MAX_PAYLOAD_BYTES = MAX_REMAINING_LENGTH - (2 + 0xffff + 2);

/** Fixed-header first bytes (type << 4 | flags) of the packets built here. */
const PUBLISH = 0x30;
const PUBACK = 0x40;
const PUBREC = 0x50;
/** PUBREL must carry the flags 0b0010 [MQTT-3.6.1-1]. */
const PUBREL = 0x62;
const PUBCOMP = 0x70;
const PINGREQ = 0xc0;
const DISCONNECT = 0xe0;

/**
 * Encodes a topic once, for callers that send to the same topic often.
 *
 * @param topic - A valid topic name or filter (not checked here).
 * @returns Its UTF-8 bytes, without the length prefix.
 */
export const encodeTopic: (topic: string) => Uint8Array = utf8Bytes;

/**
 * Encodes a PUBLISH packet in one allocation.
 *
 * Nothing is validated here (the session checks the topic, the id and the size first); the caller
 * must keep the remaining length within {@link MAX_REMAINING_LENGTH}.
 *
 * @param topic - The topic name, as a string or as its UTF-8 bytes (see {@link encodeTopic}).
 * @param payload - The payload; a string is written as UTF-8.
 * @param qos - The QoS level written in the fixed header.
 * @param retain - The RETAIN flag.
 * @param dup - The DUP flag; set it only when re-sending [MQTT-3.3.1-1], never for QoS 0 [MQTT-3.3.1-2].
 * @param packetId - The packet id, written only when `qos > 0`.
 * @param payloadLength - The UTF-8 length of a string payload, when the caller already knows it.
 * @returns The whole packet.
 */
export function encodePublish(
  topic: string | Uint8Array,
  payload: Uint8Array | string,
  qos: QoS,
  retain: boolean,
  dup: boolean,
  packetId: number,
  payloadLength?: number,
): Uint8Array {
  const topicBytes = typeof topic === 'string' ? utf8ByteLength(topic) : topic.length;
  const payloadBytes =
    typeof payload === 'string' ? (payloadLength ?? utf8ByteLength(payload)) : payload.length;
  const buf = alloc(publishSize(topicBytes, payloadBytes, qos));
  encodePublishInto(buf, 0, topic, topicBytes, payload, payloadBytes, qos, retain, dup, packetId);
  return buf;
}

/**
 * The size of a PUBLISH packet in bytes.
 * @param topicBytes - The topic's UTF-8 length.
 * @param payloadBytes - The payload's length.
 * @param qos - Its QoS (a packet id is added above 0).
 * @returns The whole packet's length.
 */
export function publishSize(topicBytes: number, payloadBytes: number, qos: QoS): number {
  const remaining = 2 + topicBytes + (qos > 0 ? 2 : 0) + payloadBytes;
  return 1 + varintSize(remaining) + remaining;
}

/**
 * Writes a PUBLISH packet into `buf` at `offset` (the zero-copy path into a transport's buffer;
 * {@link encodePublish} allocates instead). `buf` must have {@link publishSize} bytes free there.
 *
 * @returns The offset after the packet.
 */
export function encodePublishInto(
  buf: Uint8Array,
  offset: number,
  topic: string | Uint8Array,
  topicBytes: number,
  payload: Uint8Array | string,
  payloadBytes: number,
  qos: QoS,
  retain: boolean,
  dup: boolean,
  packetId: number,
): number {
  const remaining = 2 + topicBytes + (qos > 0 ? 2 : 0) + payloadBytes;
  buf[offset] = PUBLISH | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 0x01 : 0);
  let at = writeUint16(buf, writeVarint(buf, offset + 1, remaining), topicBytes);
  if (typeof topic === 'string') at = writeUtf8(buf, at, topic, topicBytes);
  else {
    buf.set(topic, at);
    at += topicBytes;
  }
  if (qos > 0) at = writeUint16(buf, at, packetId);
  if (typeof payload === 'string') return writeUtf8(buf, at, payload, payloadBytes);
  buf.set(payload, at);
  return at + payloadBytes;
}

/**
 * Copies an encoded PUBLISH with the DUP flag set, for a retransmission. The original is never
 * modified, because a transport may still hold it in its write buffer.
 *
 * @param packet - A packet from {@link encodePublish} with QoS 1 or 2.
 * @returns A new packet, identical except for DUP = 1.
 */
export function withDup(packet: Uint8Array): Uint8Array {
  const copy = alloc(packet.length);
  copy.set(packet);
  copy[0] = (copy[0] as number) | 0x08;
  return copy;
}

function encodeAck(first: number, packetId: number): Uint8Array {
  const buf = alloc(4);
  buf[0] = first;
  buf[1] = 2;
  buf[2] = packetId >> 8;
  buf[3] = packetId & 0xff;
  return buf;
}

/**
 * Encodes a PUBACK (the answer to an inbound QoS 1 PUBLISH).
 * @param packetId - The id of the PUBLISH being acknowledged.
 * @returns The 4-byte packet.
 */
export const encodePuback = (packetId: number): Uint8Array => encodeAck(PUBACK, packetId);

/**
 * Encodes a PUBREC (the first answer to an inbound QoS 2 PUBLISH).
 * @param packetId - The id of the PUBLISH being received.
 * @returns The 4-byte packet.
 */
export const encodePubrec = (packetId: number): Uint8Array => encodeAck(PUBREC, packetId);

/**
 * Encodes a PUBREL (the answer to a PUBREC for an outbound QoS 2 PUBLISH), with flags 0b0010.
 * @param packetId - The id of the PUBLISH being released.
 * @returns The 4-byte packet.
 */
export const encodePubrel = (packetId: number): Uint8Array => encodeAck(PUBREL, packetId);

/**
 * Encodes a PUBCOMP (the answer to an inbound PUBREL).
 * @param packetId - The id of the PUBREL being completed.
 * @returns The 4-byte packet.
 */
export const encodePubcomp = (packetId: number): Uint8Array => encodeAck(PUBCOMP, packetId);

/**
 * Encodes a PINGREQ. A new array each time, so no caller can corrupt a shared one.
 * @returns The 2-byte packet.
 */
export const encodePingreq = (): Uint8Array => Uint8Array.of(PINGREQ, 0);

/**
 * Encodes a DISCONNECT.
 * @returns The 2-byte packet.
 */
export const encodeDisconnect = (): Uint8Array => Uint8Array.of(DISCONNECT, 0);
