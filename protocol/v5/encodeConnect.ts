/**
 * The MQTT 5 CONNECT encoder (3.1, spec R147): the packet as given, with its properties and the
 * will properties. Checking the fields (lengths, UTF-8, will topic) is the caller's business, as
 * for the other encoders.
 */
import type { QoS } from '../encode.js';
import { alloc, utf8ByteLength, varintSize, writeUint16, writeUtf8, writeVarint } from '../encodeBytes.js';
import type { ConnectProperties, WillProperties } from './properties.js';
import { blockSize, propertiesSize, writeProperties } from './propertyCodec.js';

/** An MQTT 5 CONNECT, ready to encode. */
export interface V5ConnectPacket {
  /** The client identifier; empty asks the server to assign one (CONNACK Assigned Client Identifier). */
  readonly clientId: string;
  /** Clean Start: discard any existing session [3.1.2.4]. */
  readonly clean: boolean;
  /** Keep Alive in seconds, 0-65535; the server may impose another (Server Keep Alive). */
  readonly keepalive: number;
  /** The user name, when one is sent. */
  readonly username?: string;
  /** The password (binary data), when one is sent; MQTT 5 allows it without a user name. */
  readonly password?: Uint8Array;
  /** The will message. */
  readonly will?: {
    /** The will's topic name. */
    readonly topic: string;
    /** The will's payload. */
    readonly payload: Uint8Array;
    /** The will's QoS. */
    readonly qos: QoS;
    /** Whether the broker retains the will. */
    readonly retain: boolean;
    /** The will properties, written before the will topic. */
    readonly properties?: WillProperties;
  };
  /** The CONNECT properties. */
  readonly properties?: ConnectProperties;
}

// Protocol name "MQTT" with its length, and level 5 [MQTT-3.1.2-1, 3.1.2.2].
const PROTOCOL_HEADER = [0, 4, 0x4d, 0x51, 0x54, 0x54, 5] as const;

/**
 * Encodes an MQTT 5 CONNECT in one measured allocation.
 *
 * @param packet - The packet.
 * @returns Its bytes.
 */
export function encodeConnectV5(packet: V5ConnectPacket): Uint8Array {
  const will = packet.will;
  // Payload order [3.1.3]: client id, will properties, will topic, will payload, user name, password.
  const fields = [packet.clientId, will?.topic, will?.payload, packet.username, packet.password];
  const lengths = fields.map((f) =>
    f === undefined ? 0 : typeof f === 'string' ? utf8ByteLength(f) : f.length,
  );
  const propsLength = propertiesSize(packet.properties, 'CONNECT');
  const willPropsLength = will === undefined ? 0 : propertiesSize(will.properties, 'WILL');
  let remaining = PROTOCOL_HEADER.length + 1 + 2 + blockSize(propsLength);
  if (will !== undefined) remaining += blockSize(willPropsLength);
  fields.forEach((f, i) => {
    if (f !== undefined) remaining += 2 + (lengths[i] as number);
  });
  const buf = alloc(1 + varintSize(remaining) + remaining);
  buf[0] = 0x10;
  let at = writeVarint(buf, 1, remaining);
  buf.set(PROTOCOL_HEADER, at);
  at += PROTOCOL_HEADER.length;
  buf[at++] =
    (packet.username === undefined ? 0 : 0x80) |
    (packet.password === undefined ? 0 : 0x40) |
    (will === undefined ? 0 : (will.retain ? 0x20 : 0) | (will.qos << 3) | 0x04) |
    (packet.clean ? 0x02 : 0);
  at = writeUint16(buf, at, packet.keepalive);
  at = writeProperties(buf, at, packet.properties, 'CONNECT', propsLength);
  fields.forEach((field, i) => {
    if (field === undefined) return;
    // The will properties come right after the client identifier [3.1.3.2].
    if (i === 1 && will !== undefined)
      at = writeProperties(buf, at, will.properties, 'WILL', willPropsLength);
    const length = lengths[i] as number;
    at = writeUint16(buf, at, length);
    if (typeof field === 'string') at = writeUtf8(buf, at, field, length);
    else {
      buf.set(field, at);
      at += length;
    }
  });
  return buf;
}
