/**
 * The MQTT 5 rules a client applies to one inbound packet (spec R143-R146), in the shape of the
 * 3.1.1 rules of `../decoderRules.ts`: a check of the first byte, of the remaining length, then
 * of the body. Framing is shared (`../framer.ts`). A broken rule is a
 * {@link ProtocolViolationError} naming the reason code the client's DISCONNECT carries: 0x81
 * Malformed Packet when the bytes do not parse as the packet, 0x82 Protocol Error when they parse
 * into something not allowed (section 4.13).
 */
import { ProtocolViolationError } from '../../errors.js';
import { TYPE_NAMES } from '../decoderRules.js';
import type { QoS } from '../encode.js';
import type { V5InboundPacket, V5Publish } from './packets.js';
import type { Properties } from './properties.js';
import { readProperties } from './propertyCodec.js';
import { Reader, violation } from './reader.js';
import { hex, MALFORMED_PACKET, PROTOCOL_ERROR, type ReasonPacket, serverMaySend } from './reasonCodes.js';

/** MQTT 5 control packet names, by type number: 3.1.1's, with 15 (reserved there) as AUTH. */
export const V5_TYPE_NAMES: readonly string[] = [...TYPE_NAMES.slice(0, 15), 'AUTH'];

const ACK_CMDS = { 4: 'puback', 5: 'pubrec', 6: 'pubrel', 7: 'pubcomp' } as const;

/**
 * Checks the first byte: the type is one a server sends, the flags are those of table 2-2.
 *
 * @param first - Packet type in bits 7-4, flags in bits 3-0.
 * @returns The violation, or `undefined` when acceptable.
 */
export function checkFirstByteV5(first: number): ProtocolViolationError | undefined {
  const type = first >> 4;
  const flags = first & 0x0f;
  const name = V5_TYPE_NAMES[type];
  switch (type) {
    case 0:
      return violation(MALFORMED_PACKET, 'packet type 0 is reserved [2.1.2]');
    case 3:
      if ((flags & 0x06) === 0x06)
        return violation(MALFORMED_PACKET, 'PUBLISH must not have both QoS bits set [MQTT-3.3.1-4]');
      if ((flags & 0x0e) === 0x08)
        return violation(MALFORMED_PACKET, 'PUBLISH with QoS 0 must have DUP 0 [MQTT-3.3.1-2]');
      return undefined;
    case 6:
      return flags === 0x02
        ? undefined
        : violation(MALFORMED_PACKET, 'PUBREL fixed header flags must be 0b0010 [MQTT-3.6.1-1]');
    case 1:
    case 8:
    case 10:
    case 12:
      return violation(PROTOCOL_ERROR, `a server must not send ${name} to a client [2.1.2]`);
    default:
      return flags === 0
        ? undefined
        : violation(MALFORMED_PACKET, `${name} fixed header flags must be 0 [MQTT-2.1.3-1]`);
  }
}

/**
 * Checks the remaining length against the least each packet type needs, before its body is read.
 *
 * @param first - A first byte accepted by {@link checkFirstByteV5}.
 * @param length - The declared remaining length.
 * @returns The violation, or `undefined`.
 */
export function checkRemainingLengthV5(first: number, length: number): ProtocolViolationError | undefined {
  const type = first >> 4;
  let min: number;
  switch (type) {
    case 2: // acknowledge flags, reason code, property length [3.2.2]
      min = 3;
      break;
    case 3: // topic length, packet id above QoS 0, property length [3.3.2]
      min = (first & 0x06) === 0 ? 3 : 5;
      break;
    case 9:
    case 11: // packet id, property length, at least one reason code [3.9.3, 3.11.3]
      min = 4;
      break;
    case 13: // PINGRESP has no body [3.13]
      if (length === 0) return undefined;
      return violation(MALFORMED_PACKET, `PINGRESP remaining length must be 0, got ${length}`);
    case 14: // the reason code and properties may be omitted [3.14.2.1]
      min = 0;
      break;
    case 15: // reason code and properties, or nothing at all [3.15.2.1]
      if (length === 1)
        return violation(MALFORMED_PACKET, 'AUTH with a reason code must have a property length [3.15.2.1]');
      min = 0;
      break;
    default: // PUBACK, PUBREC, PUBREL, PUBCOMP: packet id [3.4.2]
      min = 2;
  }
  if (length >= min) return undefined;
  return violation(
    MALFORMED_PACKET,
    `${V5_TYPE_NAMES[type]} remaining length must be at least ${min}, got ${length}`,
  );
}

/**
 * Decodes and validates one MQTT 5 body.
 *
 * @param first - The first byte, accepted by {@link checkFirstByteV5}.
 * @param buf - Holds the body; PUBLISH payloads are views into it.
 * @param start - Offset of the first body byte.
 * @param end - Offset after the last; `end - start` passed {@link checkRemainingLengthV5}.
 * @returns The packet, or the violation.
 */
export function decodeBodyV5(
  first: number,
  buf: Uint8Array,
  start: number,
  end: number,
): V5InboundPacket | ProtocolViolationError {
  const type = first >> 4;
  const reader = new Reader(buf, start, end, V5_TYPE_NAMES[type] as string);
  try {
    const packet = decodeType(first, type, reader);
    if (reader.pos !== end) {
      throw violation(
        MALFORMED_PACKET,
        `${reader.packet} has ${end - reader.pos} bytes after its last field`,
      );
    }
    return packet;
  } catch (error) {
    // Only the readers throw, and only violations; anything else is a bug and propagates.
    if (error instanceof ProtocolViolationError) return error;
    throw error;
  }
}

function decodeType(first: number, type: number, r: Reader): V5InboundPacket {
  switch (type) {
    case 3:
      return decodePublish(first, r);
    case 13:
      return { cmd: 'pingresp' };
    case 2:
      return decodeConnack(r);
    case 9:
    case 11:
      return decodeSubAck(type === 9 ? 'SUBACK' : 'UNSUBACK', r);
    case 14: {
      const reasonCode = r.left === 0 ? 0 : reason('DISCONNECT', r);
      return withProperties(
        { cmd: 'disconnect', reasonCode },
        r.left === 0 ? undefined : readProperties(r, 'DISCONNECT'),
      );
    }
    case 15:
      return decodeAuth(r);
    default: {
      const cmd = ACK_CMDS[type as 4 | 5 | 6 | 7];
      const messageId = packetId(r);
      // Remaining length 2: reason 0x00, no properties; 3: no properties [3.4.2.1, 3.4.2.2].
      const place = V5_TYPE_NAMES[type] as 'PUBACK' | 'PUBREC' | 'PUBREL' | 'PUBCOMP';
      const reasonCode = r.left === 0 ? 0 : reason(place, r);
      const props = r.left === 0 ? undefined : readProperties(r, place);
      return withProperties({ cmd, messageId, reasonCode }, props);
    }
  }
}

/** Adds `properties` only when there are some, as mqtt-packet does. */
function withProperties<T extends object>(packet: T, properties: Properties | undefined): T {
  return properties === undefined ? packet : { ...packet, properties };
}

/** Reads a reason code and checks the server may send it in this packet [MQTT-3.2.2-8 ...]. */
function reason(packet: ReasonPacket, r: Reader): number {
  const code = r.byte('reason code');
  if (!serverMaySend(packet, code)) {
    throw violation(PROTOCOL_ERROR, `${hex(code)} is not a reason code a server sends in ${packet}`);
  }
  return code;
}

/** Reads a Packet Identifier: 0 is a Protocol Error [MQTT-2.2.1-3]. */
function packetId(r: Reader): number {
  const id = r.uint16('packet identifier');
  if (id === 0) throw violation(PROTOCOL_ERROR, `${r.packet} packet identifier must not be 0 [MQTT-2.2.1-3]`);
  return id;
}

function decodeConnack(r: Reader): V5InboundPacket {
  const flags = r.byte('acknowledge flags');
  if (flags > 1)
    throw violation(MALFORMED_PACKET, 'CONNACK acknowledge flags bits 7-1 are reserved [MQTT-3.2.2-1]');
  const reasonCode = reason('CONNACK', r);
  if (flags === 1 && reasonCode >= 0x80) {
    throw violation(
      PROTOCOL_ERROR,
      'CONNACK with a failure reason code must have session present 0 [MQTT-3.2.2-6]',
    );
  }
  return withProperties(
    { cmd: 'connack', sessionPresent: flags === 1, reasonCode },
    readProperties(r, 'CONNACK'),
  );
}

function decodeSubAck(packet: 'SUBACK' | 'UNSUBACK', r: Reader): V5InboundPacket {
  const messageId = packetId(r);
  const props = readProperties(r, packet);
  if (r.left === 0)
    throw violation(PROTOCOL_ERROR, `${packet} must carry a reason code per topic filter [3.9.3]`);
  const reasonCodes: number[] = [];
  while (r.left > 0) reasonCodes.push(reason(packet, r));
  return withProperties({ cmd: packet === 'SUBACK' ? 'suback' : 'unsuback', messageId, reasonCodes }, props);
}

function decodeAuth(r: Reader): V5InboundPacket {
  if (r.left === 0) return { cmd: 'auth', reasonCode: 0 };
  const reasonCode = reason('AUTH', r);
  const props = readProperties(r, 'AUTH');
  if (props?.authenticationMethod === undefined) {
    throw violation(PROTOCOL_ERROR, 'AUTH must carry the Authentication Method [3.15.2.2.2]');
  }
  return { cmd: 'auth', reasonCode, properties: props };
}

function decodePublish(first: number, r: Reader): V5Publish {
  const qos = ((first >> 1) & 0x03) as QoS;
  const topic = r.utf8('topic name');
  if (/[+#]/.test(topic)) {
    throw violation(PROTOCOL_ERROR, 'PUBLISH topic name must not contain wildcards [MQTT-3.3.2-2]');
  }
  const messageId = qos === 0 ? undefined : packetId(r);
  const props = readProperties(r, 'PUBLISH');
  if (topic === '' && props?.topicAlias === undefined) {
    throw violation(PROTOCOL_ERROR, 'PUBLISH with an empty topic name must carry a Topic Alias [3.3.2.1]');
  }
  if (props?.responseTopic !== undefined && /[+#]/.test(props.responseTopic)) {
    throw violation(PROTOCOL_ERROR, 'PUBLISH Response Topic must not contain wildcards [3.3.2.3.5]');
  }
  const buf = r.buf;
  const payload = new Uint8Array(buf.buffer, buf.byteOffset + r.pos, r.end - r.pos);
  r.pos = r.end;
  const packet = {
    cmd: 'publish' as const,
    topic,
    payload,
    qos,
    dup: (first & 0x08) !== 0,
    retain: (first & 0x01) !== 0,
  };
  const withId = messageId === undefined ? packet : { ...packet, messageId };
  return props === undefined ? withId : { ...withId, properties: props };
}
