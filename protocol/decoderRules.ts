/**
 * The MQTT 3.1.1 rules a client applies to one inbound packet, split from the framing in
 * `decoder.ts` to keep each file small. Every check returns an error message instead of throwing:
 * the broker is untrusted input, and exceptions are slow on the hot path.
 */

import type * as mqtt from 'mqtt-packet';
import { utf8Text } from './encodeBytes.js';
import type { ReceivedProperties } from './v5Shapes.js';

/**
 * A PUBLISH as the decoder emits it: the payload is always bytes, never a string: a view into the
 * received chunk, a plain `Uint8Array` in every runtime.
 */
export type InboundPublish = Omit<mqtt.IPublishPacket, 'payload'> & {
  payload: Uint8Array;
  /** MQTT 5 only: what its properties say to the user (spec R293); the 3.1.1 decoder sets none. */
  messageProperties?: ReceivedProperties | undefined;
};

/**
 * A packet a client may receive in MQTT 3.1.1, as the decoder emits it: the mqtt-packet types,
 * narrowed to what the decoder always sets (CONNACK `returnCode`, ack `messageId`, SUBACK
 * `granted` as numbers).
 */
export type InboundPacket =
  | (mqtt.IConnackPacket & { returnCode: number })
  | InboundPublish
  | (mqtt.IPubackPacket & { messageId: number })
  | (mqtt.IPubrecPacket & { messageId: number })
  | (mqtt.IPubrelPacket & { messageId: number })
  | (mqtt.IPubcompPacket & { messageId: number })
  | (mqtt.ISubackPacket & { messageId: number; granted: number[] })
  | (mqtt.IUnsubackPacket & { messageId: number })
  | mqtt.IPingrespPacket;

/** MQTT control packet type names, by the type number in the first byte's high nibble. */
export const TYPE_NAMES = [
  'reserved (0)',
  'CONNECT',
  'CONNACK',
  'PUBLISH',
  'PUBACK',
  'PUBREC',
  'PUBREL',
  'PUBCOMP',
  'SUBSCRIBE',
  'SUBACK',
  'UNSUBSCRIBE',
  'UNSUBACK',
  'PINGREQ',
  'PINGRESP',
  'DISCONNECT',
  'reserved (15)',
] as const;

/**
 * Checks the first byte of the fixed header, so a bad packet is refused before its length or body
 * is even read.
 *
 * @param first - The first byte (packet type in bits 7-4, flags in bits 3-0).
 * @returns An error message, or `undefined` when the byte is acceptable.
 */
export function checkFirstByte(first: number): string | undefined {
  const type = first >> 4;
  const flags = first & 0x0f;
  const name = TYPE_NAMES[type];
  switch (type) {
    case 3:
      if ((flags & 0x06) === 0x06) return 'PUBLISH must not have both QoS bits set [MQTT-3.3.1-4]';
      if ((flags & 0x0e) === 0x08) return 'PUBLISH with QoS 0 must have DUP 0 [MQTT-3.3.1-2]';
      return undefined;
    case 6:
      return flags === 0x02 ? undefined : `${name} fixed header flags must be 0b0010 [MQTT-3.6.1-1]`;
    case 2:
    case 4:
    case 5:
    case 7:
    case 9:
    case 11:
    case 13:
      return flags === 0 ? undefined : `${name} fixed header flags must be 0 [MQTT-2.2.2-1]`;
    case 1:
    case 8:
    case 10:
    case 12:
    case 14:
      return `a server must not send ${name} to a client`;
    default:
      return `packet type ${name} is reserved in MQTT 3.1.1`;
  }
}

/**
 * Checks the remaining length against the packet type, once the fixed header is complete: the
 * fixed-size packets are refused here before a single body byte is buffered.
 *
 * @param first - The first byte of the fixed header, already accepted by {@link checkFirstByte}.
 * @param length - The declared remaining length.
 * @returns An error message, or `undefined` when the length fits the type.
 */
export function checkRemainingLength(first: number, length: number): string | undefined {
  const type = first >> 4;
  // PUBLISH: topic length, at least one topic byte [MQTT-4.7.3-1], and a packet id when QoS > 0.
  // SUBACK: packet id and at least one return code, since a SUBSCRIBE carries at least one filter.
  // PINGRESP: nothing. The other acks: the packet id (CONNACK: flags and return code).
  const open = type === 3 || type === 9;
  const min = type === 3 ? ((first & 0x06) === 0 ? 3 : 5) : type === 9 ? 3 : type === 13 ? 0 : 2;
  if (open ? length >= min : length === min) return undefined;
  return `${TYPE_NAMES[type]} remaining length must be ${open ? 'at least ' : ''}${min}, got ${length}`;
}

/**
 * Decodes and validates the variable header and payload of one packet.
 *
 * @param first - The first byte of the fixed header, accepted by {@link checkFirstByte}.
 * @param buf - Holds the body; PUBLISH payloads are views into it, not copies.
 * @param start - Offset of the first body byte in `buf`.
 * @param end - Offset after the last body byte; `end - start` passed {@link checkRemainingLength}.
 * @returns The packet, or an error message.
 */
export function decodeBody(
  first: number,
  buf: Uint8Array,
  start: number,
  end: number,
): InboundPacket | string {
  const type = first >> 4;
  if (type === 3) return decodePublish(first, buf, start, end);
  if (type === 13) return { cmd: 'pingresp' };
  if (type === 2) return decodeConnack(buf[start] as number, buf[start + 1] as number);
  const messageId = ((buf[start] as number) << 8) | (buf[start + 1] as number);
  if (messageId === 0) return `${TYPE_NAMES[type]} packet identifier must not be 0 [MQTT-2.3.1-1]`;
  if (type === 9) return decodeSuback(messageId, buf, start + 2, end);
  // mqtt-packet's type requires `granted`; 3.1.1 UNSUBACKs carry none, so it stays empty.
  if (type === 11) return { cmd: 'unsuback', messageId, granted: [] };
  // PUBACK, PUBREC, PUBREL or PUBCOMP: only the packet identifier.
  return { cmd: CMDS[type] as 'puback' | 'pubrec' | 'pubrel' | 'pubcomp', messageId };
}

// mqtt-packet's `cmd` of each packet type (`puback` ...), computed once rather than per packet.
const CMDS = TYPE_NAMES.map((name) => name.toLowerCase());

function decodeConnack(ackFlags: number, returnCode: number): InboundPacket | string {
  if (ackFlags > 1) return 'CONNACK acknowledge flags bits 7-1 are reserved and must be 0 [3.2.2.1]';
  if (returnCode > 5) return `CONNACK return code ${returnCode} is reserved in MQTT 3.1.1 [3.2.2.3]`;
  if (returnCode !== 0 && ackFlags !== 0) {
    return 'CONNACK with a non-zero return code must have session present 0 [MQTT-3.2.2-4]';
  }
  return { cmd: 'connack', sessionPresent: ackFlags === 1, returnCode };
}

/** What a CONNACK is checked against: the CONNECT it answers, as it was written. */
export interface SentConnect {
  /** The CleanSession flag of the CONNECT. */
  readonly clean: boolean;
}

/**
 * The CONNACK rules of MQTT 3.1.1 section 3.2 that the bytes alone cannot decide: those about the
 * CONNECT it answers (spec R62). The byte rules (reserved flags, return codes above 5, session
 * present with a refusal [MQTT-3.2.2-4]) are checked by {@link decodeBody}.
 *
 * @param connack - A CONNACK accepted by {@link decodeBody}.
 * @param connect - The CONNECT written on this connection, or `undefined` when none was written yet.
 * @returns An error message, or `undefined` when the CONNACK answers that CONNECT correctly.
 */
export function checkConnackAnswers(
  connack: { readonly sessionPresent: boolean; readonly returnCode: number },
  connect: SentConnect | undefined,
): string | undefined {
  if (connect === undefined) return 'CONNACK before any CONNECT was written';
  if (connect.clean && connack.sessionPresent) {
    return 'CONNACK accepting a CleanSession=1 CONNECT must have session present 0 [MQTT-3.2.2-1]';
  }
  return undefined;
}

function decodeSuback(
  messageId: number,
  buf: Uint8Array,
  start: number,
  end: number,
): InboundPacket | string {
  const granted = Array.from(buf.subarray(start, end));
  const reserved = granted.find((code) => code > 2 && code !== 0x80);
  if (reserved !== undefined) return `SUBACK return code ${reserved} is reserved [MQTT-3.9.3-2]`;
  return { cmd: 'suback', messageId, granted };
}

function decodePublish(first: number, buf: Uint8Array, start: number, end: number): InboundPacket | string {
  const qos = ((first >> 1) & 0x03) as mqtt.QoS;
  const topicStart = start + 2;
  const topicEnd = topicStart + (((buf[start] as number) << 8) | (buf[start + 1] as number));
  if (topicEnd === topicStart) return 'PUBLISH topic name must not be empty [MQTT-4.7.3-1]';
  const idEnd = qos === 0 ? topicEnd : topicEnd + 2;
  if (idEnd > end) return 'PUBLISH topic name and packet identifier overrun the remaining length';
  // '+', '#' and U+0000 can only appear as these exact bytes in valid UTF-8 (every byte of a
  // multi-byte sequence is >= 0x80), so a byte scan suffices.
  for (let i = topicStart; i < topicEnd; i++) {
    const c = buf[i] as number;
    if (c === 0x2b || c === 0x23) return 'PUBLISH topic name must not contain wildcards [MQTT-3.3.2-2]';
    if (c === 0) return 'PUBLISH topic name must not contain U+0000 [MQTT-4.7.3-2]';
  }
  // The fatal decoder refuses bad sequences, surrogates and overlong forms [MQTT-1.5.3-1] where a
  // lenient one would turn them into U+FFFD.
  const topic = utf8Text(buf.subarray(topicStart, topicEnd));
  if (topic === undefined) return 'PUBLISH topic name is not well-formed UTF-8 [MQTT-1.5.3-1]';
  let messageId: number | undefined;
  if (qos !== 0) {
    messageId = ((buf[topicEnd] as number) << 8) | (buf[topicEnd + 1] as number);
    if (messageId === 0) return 'PUBLISH packet identifier must not be 0 [MQTT-2.3.1-1]';
  }
  return {
    cmd: 'publish',
    topic,
    // A plain Uint8Array view in every runtime (never a Buffer subclass), without a copy.
    payload: new Uint8Array(buf.buffer, buf.byteOffset + idEnd, end - idEnd),
    qos,
    dup: (first & 0x08) !== 0,
    retain: (first & 0x01) !== 0,
    messageId,
  };
}
