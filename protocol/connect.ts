/**
 * Building and encoding the CONNECT packet (MQTT 3.1.1 section 3.1) from user options, validating
 * what an encoder would otherwise let through or silently mangle: string lengths over the 2-byte
 * length prefix, lone surrogates (encoded as U+FFFD), U+0000, and bad will topics. Encoded here,
 * with no Node built-ins (mqtt-packet's encoder needs `Buffer`); the tests parse it with mqtt-packet.
 */

import { InvalidArgumentError } from '../errors.js';
import type { QoS } from './encode.js';
import { alloc, utf8ByteLength, utf8Bytes, varintSize, writeUint16, writeVarint } from './encodeBytes.js';
import { validateTopicName } from './topics.js';
import type { WillProperties } from './v5Shapes.js';

/** Options of the CONNECT packet. */
export interface ConnectOptions {
  /**
   * The client identifier. Empty means "generate one" (`mqttlifeline_` and 8 hex digits), since a
   * 3.1.1 server must refuse an empty identifier when `clean` is false [MQTT-3.1.3-8] and may
   * refuse it otherwise.
   *
   * @default ''
   */
  readonly clientId?: string;
  /**
   * Clean session: the broker discards any session state on connect and disconnect.
   *
   * @default true
   */
  readonly clean?: boolean;
  /**
   * Keep-alive interval in seconds, 0 to 65535; 0 turns the keep-alive mechanism off.
   *
   * @default 60
   */
  readonly keepAliveSec?: number;
  /** The user name; absent means none is sent. */
  readonly username?: string;
  /** The password (binary data; a string is sent as UTF-8). Requires `username` [MQTT-3.1.2-22]. */
  readonly password?: string | Uint8Array;
  /** The will message the broker publishes if the connection is lost without a DISCONNECT. */
  readonly will?: WillOptions;
}

/** The will message of {@link ConnectOptions}. */
export interface WillOptions {
  /** The topic name to publish the will to; no wildcards. */
  readonly topic: string;
  /** The will payload, at most 65535 bytes (a string is sent as UTF-8). */
  readonly payload: string | Uint8Array;
  /**
   * The QoS of the will message.
   *
   * @default 0
   */
  readonly qos?: QoS;
  /**
   * Whether the broker retains the will message.
   *
   * @default false
   */
  readonly retain?: boolean;
  /**
   * MQTT 5 will properties (spec R300): Will Delay Interval (seconds the broker waits before
   * publishing the will), Payload Format Indicator, Message Expiry Interval, Content Type,
   * Response Topic, Correlation Data, User Properties. On MQTT 3.1.1 they are an
   * `InvalidArgumentError`, never silently left out.
   *
   * @default none
   */
  readonly properties?: WillProperties;
}

/**
 * A CONNECT packet, checked and ready to encode: strings as given, binary fields as private copies;
 * an absent field is `undefined`. The fixed parts (protocol name and level) are the encoder's.
 */
export interface ConnectPacket {
  readonly clientId: string;
  readonly clean: boolean;
  readonly keepalive: number;
  readonly username: string | undefined;
  readonly password: Uint8Array | undefined;
  readonly will:
    | {
        readonly topic: string;
        readonly payload: Uint8Array;
        readonly qos: QoS;
        readonly retain: boolean;
      }
    | undefined;
}

/** The prefix of generated client identifiers. */
export const GENERATED_CLIENT_ID_PREFIX = 'mqttlifeline_';

// Strings and binary fields of a CONNECT carry a 2-byte length prefix (MQTT 3.1.1 section 1.5).
const MAX_FIELD_BYTES = 65_535;

/**
 * Builds the CONNECT packet for the given options.
 *
 * @param options - What to connect with.
 * @param random - Source of the generated client identifier; returns a number in [0, 1).
 * @returns The packet, ready for {@link encodePacket}.
 * @throws {@link InvalidArgumentError} on a password without a user name [MQTT-3.1.2-22], a
 *   keep-alive outside 0-65535, a will QoS other than 0-2, or a field that cannot be encoded.
 * @throws {@link InvalidTopicError} (from `validateTopicName`) on an invalid will topic.
 */
export function buildConnect(options: ConnectOptions, random: () => number = Math.random): ConnectPacket {
  const { username, password, will } = options;
  const keepalive = options.keepAliveSec ?? 60;
  if (!Number.isInteger(keepalive) || keepalive < 0 || keepalive > 65_535) {
    throw new InvalidArgumentError(`keepAliveSec must be an integer from 0 to 65535, got ${keepalive}`);
  }
  const clientId = options.clientId || generateClientId(random);
  checkString('clientId', clientId);
  if (username !== undefined) checkString('username', username);
  if (password !== undefined && username === undefined) {
    throw new InvalidArgumentError('a password requires a username [MQTT-3.1.2-22]');
  }
  return {
    clientId,
    clean: options.clean ?? true,
    keepalive,
    username,
    password: password === undefined ? password : toBytes('password', password),
    will: will === undefined ? will : buildWill(will),
  };
}

/**
 * Builds and encodes the CONNECT packet for the given options.
 *
 * @param options - What to connect with.
 * @param random - Source of the generated client identifier; returns a number in [0, 1).
 *   @default Math.random (as {@link buildConnect})
 * @returns The encoded packet.
 * @throws As {@link buildConnect}.
 */
export function encodeConnect(options: ConnectOptions, random?: () => number): Uint8Array {
  return encodePacket(buildConnect(options, random));
}

// The variable header up to the flags: protocol name "MQTT" with its length, and level 4.
const PROTOCOL_HEADER = [0, 4, 0x4d, 0x51, 0x54, 0x54, 4] as const;

/**
 * Encodes a CONNECT built by {@link buildConnect} (section 3.1): one measured allocation.
 * @param packet - The checked packet.
 * @returns Its bytes.
 */
export function encodePacket(packet: ConnectPacket): Uint8Array {
  const will = packet.will;
  // Payload order [MQTT-3.1.3-1]: client id, will topic, will message, user name, password; the
  // strings as UTF-8 bytes first (a CONNECT is rare, so clarity wins over saving the copies).
  const fields = [packet.clientId, will?.topic, will?.payload, packet.username, packet.password].map((f) =>
    typeof f === 'string' ? utf8Bytes(f) : f,
  );
  // The protocol header, the flags byte and the keep-alive, then each field with its length.
  let remaining = PROTOCOL_HEADER.length + 3;
  for (const field of fields) if (field !== undefined) remaining += 2 + field.length;
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
  for (const field of fields) {
    if (field === undefined) continue;
    at = writeUint16(buf, at, field.length);
    buf.set(field, at);
    at += field.length;
  }
  return buf;
}

function buildWill(will: WillOptions): NonNullable<ConnectPacket['will']> {
  validateTopicName(will.topic);
  if (will.properties !== undefined) {
    throw new InvalidArgumentError('will.properties are MQTT 5 only; this server speaks MQTT 3.1.1 (R300)');
  }
  const qos = will.qos ?? 0;
  if (qos !== 0 && qos !== 1 && qos !== 2) {
    throw new InvalidArgumentError(`will.qos must be 0, 1 or 2, got ${String(qos)}`);
  }
  return {
    topic: will.topic,
    payload: toBytes('will.payload', will.payload),
    qos,
    retain: will.retain ?? false,
  };
}

/**
 * `mqttlifeline_` and 8 hex digits (32 bits) from `random`: the CONNECT's client id when none is
 * given, and the one the lifecycle client keeps per server across reconnects.
 * @param random - A source of numbers in [0, 1).
 */
export function generateClientId(random: () => number): string {
  // `>>> 0` maps a misbehaving source (1, NaN, negative) into range instead of failing.
  const bits = Math.floor(random() * 0x1_0000_0000) >>> 0;
  return GENERATED_CLIENT_ID_PREFIX + bits.toString(16).padStart(8, '0');
}

/**
 * Checks a UTF-8 string field [MQTT-1.5.3-1, MQTT-1.5.3-2] (shared with the MQTT 5 CONNECT).
 *
 * @param name - The option's name, for the message.
 * @param value - The string.
 * @throws {@link InvalidArgumentError} on U+0000, a lone surrogate or more than 65535 UTF-8 bytes.
 */
export function checkString(name: string, value: string): void {
  if (typeof value !== 'string') throw new InvalidArgumentError(`${name} must be a string`);
  if (value.includes('\u0000')) throw new InvalidArgumentError(`${name} must not contain U+0000`);
  // A lone surrogate has no UTF-8 encoding; the encoder would turn it into U+FFFD. With the `u`
  // flag a pair reads as one code point, so only a lone surrogate is in category Cs.
  if (/\p{Cs}/u.test(value)) throw new InvalidArgumentError(`${name} contains a lone surrogate`);
  const bytes = utf8ByteLength(value);
  if (bytes > MAX_FIELD_BYTES) {
    throw new InvalidArgumentError(`${name} is ${bytes} UTF-8 bytes, over the limit of ${MAX_FIELD_BYTES}`);
  }
}

/**
 * A binary field as a private copy, so later changes to the caller's array do not leak in
 * (shared with the MQTT 5 CONNECT).
 *
 * @param name - The option's name, for the message.
 * @param value - The bytes; a string is taken as UTF-8.
 * @returns The copy.
 * @throws {@link InvalidArgumentError} over 65535 bytes.
 */
export function toBytes(name: string, value: string | Uint8Array): Uint8Array {
  const bytes = typeof value === 'string' ? utf8Bytes(value) : value.slice();
  if (bytes.length > MAX_FIELD_BYTES) {
    throw new InvalidArgumentError(`${name} is ${bytes.length} bytes, over the limit of ${MAX_FIELD_BYTES}`);
  }
  return bytes;
}
