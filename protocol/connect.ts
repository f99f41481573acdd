/**
 * Building the CONNECT packet (MQTT 3.1.1 section 3.1) from user options, validating what
 * mqtt-packet's encoder would otherwise let through or silently mangle: string lengths over the
 * 2-byte length prefix, lone surrogates (encoded as U+FFFD), U+0000, and bad will topics.
 */
import * as mqtt from 'mqtt-packet';
import { InvalidArgumentError } from '../errors.js';
import { validateTopicName } from './topics.js';

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
  readonly qos?: mqtt.QoS;
  /**
   * Whether the broker retains the will message.
   *
   * @default false
   */
  readonly retain?: boolean;
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
 * @returns The packet, ready for `mqtt.generate`.
 * @throws {@link InvalidArgumentError} on a password without a user name [MQTT-3.1.2-22], a
 *   keep-alive outside 0-65535, a will QoS other than 0-2, or a field that cannot be encoded.
 * @throws {@link InvalidTopicError} (from `validateTopicName`) on an invalid will topic.
 */
export function buildConnect(
  options: ConnectOptions,
  random: () => number = Math.random,
): mqtt.IConnectPacket {
  const keepalive = options.keepAliveSec ?? 60;
  if (!Number.isInteger(keepalive) || keepalive < 0 || keepalive > 65_535) {
    throw new InvalidArgumentError(`keepAliveSec must be an integer from 0 to 65535, got ${keepalive}`);
  }
  const clientId = options.clientId || generateClientId(random);
  checkString('clientId', clientId);
  const packet: mqtt.IConnectPacket = {
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clientId,
    clean: options.clean ?? true,
    keepalive,
  };
  if (options.username !== undefined) {
    checkString('username', options.username);
    packet.username = options.username;
  }
  if (options.password !== undefined) {
    if (options.username === undefined) {
      throw new InvalidArgumentError('a password requires a username [MQTT-3.1.2-22]');
    }
    packet.password = toBytes('password', options.password);
  }
  if (options.will !== undefined) packet.will = buildWill(options.will);
  return packet;
}

/**
 * Builds and encodes the CONNECT packet for the given options.
 *
 * @param options - What to connect with.
 * @param random - Source of the generated client identifier; returns a number in [0, 1).
 * @returns The encoded packet.
 * @throws As {@link buildConnect}.
 */
export function encodeConnect(options: ConnectOptions, random: () => number = Math.random): Uint8Array {
  return mqtt.generate(buildConnect(options, random), { protocolVersion: 4 });
}

function buildWill(will: WillOptions): NonNullable<mqtt.IConnectPacket['will']> {
  validateTopicName(will.topic);
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

/** `mqttlifeline_` and 8 hex digits (32 bits) from `random`. */
function generateClientId(random: () => number): string {
  // `>>> 0` maps a misbehaving source (1, NaN, negative) into range instead of failing.
  const bits = Math.floor(random() * 0x1_0000_0000) >>> 0;
  return GENERATED_CLIENT_ID_PREFIX + bits.toString(16).padStart(8, '0');
}

/** Checks a UTF-8 string field [MQTT-1.5.3-1, MQTT-1.5.3-2]. */
function checkString(name: string, value: string): void {
  if (typeof value !== 'string') throw new InvalidArgumentError(`${name} must be a string`);
  if (value.includes('\u0000')) throw new InvalidArgumentError(`${name} must not contain U+0000`);
  const bytes = Buffer.from(value, 'utf8');
  // Only a lone surrogate fails the round trip; the encoder would turn it into U+FFFD.
  if (bytes.toString('utf8') !== value) throw new InvalidArgumentError(`${name} contains a lone surrogate`);
  if (bytes.length > MAX_FIELD_BYTES) {
    throw new InvalidArgumentError(
      `${name} is ${bytes.length} UTF-8 bytes, over the limit of ${MAX_FIELD_BYTES}`,
    );
  }
}

/** A binary field as a Buffer copy, so later changes to the caller's array do not leak in. */
function toBytes(name: string, value: string | Uint8Array): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
  if (bytes.length > MAX_FIELD_BYTES) {
    throw new InvalidArgumentError(`${name} is ${bytes.length} bytes, over the limit of ${MAX_FIELD_BYTES}`);
  }
  return bytes;
}
