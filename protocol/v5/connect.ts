/**
 * Building the MQTT 5 CONNECT from user options (spec R151), checking what the encoder would let
 * through: string fields as for 3.1.1 (`../connect.ts`), property values within the ranges of
 * section 3.1.2.11, and the will (topic, properties, a UTF-8 payload when it says it is one).
 */
import { InvalidArgumentError } from '../../errors.js';
import { checkString, toBytes } from '../connect.js';
import type { QoS } from '../encode.js';
import { utf8Text } from '../encodeBytes.js';
import { validateTopicName } from '../topics.js';
import { encodeConnectV5, type V5ConnectPacket } from './encodeConnect.js';
import type { ConnectProperties, UserProperty, WillProperties } from './properties.js';

/** Enhanced authentication in CONNECT (3.1.2.11.9-10). */
export interface V5AuthenticationOption {
  /** The Authentication Method (`SCRAM-SHA-256` ...). */
  readonly method: string;
  /** The method's first data, if it sends any. */
  readonly data?: Uint8Array;
}

/** The will of an MQTT 5 CONNECT. */
export interface V5WillOptions {
  /** The topic name; no wildcards. */
  readonly topic: string;
  /** At most 65535 bytes; a string is sent as UTF-8. */
  readonly payload: string | Uint8Array;
  /**
   * The will's QoS.
   *
   * @default 0
   */
  readonly qos?: QoS;
  /**
   * Whether the broker retains the will.
   *
   * @default false
   */
  readonly retain?: boolean;
  /**
   * The will properties: Will Delay Interval, Payload Format Indicator (when `true` the payload
   * must be UTF-8), Message Expiry Interval, Content Type, Response Topic, Correlation Data, User
   * Properties. None by default.
   */
  readonly properties?: WillProperties;
}

/** Options of the MQTT 5 CONNECT. Every property left out is left out of the packet. */
export interface V5ConnectOptions {
  /**
   * The client identifier. Empty asks the server to assign one, which it returns in CONNACK
   * (Assigned Client Identifier, 3.2.2.3.7); MQTT 5 allows that whatever `clean` is.
   *
   * @default ''
   */
  readonly clientId?: string;
  /**
   * Clean Start: discard any session the server holds for this client.
   *
   * @default true
   */
  readonly clean?: boolean;
  /**
   * Keep Alive in seconds, 0-65535 (0: off). The server may impose another (Server Keep Alive).
   *
   * @default 60
   */
  readonly keepAliveSec?: number;
  /** The user name; none by default. */
  readonly username?: string;
  /** The password; none by default. MQTT 5 allows one without a user name. */
  readonly password?: string | Uint8Array;
  /** The will; none by default. */
  readonly will?: V5WillOptions;
  /**
   * Seconds the session outlives the connection, 0-4294967295 (0xFFFFFFFF: never expires).
   * Absent means 0: the session ends with the connection.
   */
  readonly sessionExpiryInterval?: number;
  /** How many QoS 1 and 2 messages the client accepts at once, 1-65535. Absent means 65535. */
  readonly receiveMaximum?: number;
  /** The largest packet the client accepts, in bytes, at least 1. Absent means no limit but the protocol's. */
  readonly maximumPacketSize?: number;
  /** The highest topic alias the client accepts from the server, 0-65535. Absent means 0 (none). */
  readonly topicAliasMaximum?: number;
  /** Ask for Response Information in CONNACK. Absent means `false`. */
  readonly requestResponseInformation?: boolean;
  /** Let the server send Reason Strings and User Properties on failures. Absent means `true`. */
  readonly requestProblemInformation?: boolean;
  /** User properties of the CONNECT, in order; none by default. */
  readonly userProperties?: readonly UserProperty[];
  /** Enhanced authentication; none by default. */
  readonly authentication?: V5AuthenticationOption;
}

const UINT16 = 0xffff;
const UINT32 = 0xffff_ffff;

/** Checks an integer option within `[min, max]`. */
function checkInteger(name: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
}

function checkUserProperties(name: string, pairs: readonly UserProperty[] | undefined): void {
  for (const [key, value] of pairs ?? []) {
    checkString(`${name} name`, key);
    checkString(`${name} value`, value);
  }
}

/** Copies the defined entries of `entries`, so the packet holds no `undefined` property. */
function defined<T extends object>(entries: T): T {
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined)) as T;
}

function buildWill(will: V5WillOptions): NonNullable<V5ConnectPacket['will']> {
  validateTopicName(will.topic);
  const qos = will.qos ?? 0;
  if (qos !== 0 && qos !== 1 && qos !== 2) {
    throw new InvalidArgumentError(`will.qos must be 0, 1 or 2, got ${String(qos)}`);
  }
  const payload = toBytes('will.payload', will.payload);
  const props = will.properties;
  if (props !== undefined) {
    for (const key of ['willDelayInterval', 'messageExpiryInterval'] as const) {
      checkInteger(`will.properties.${key}`, props[key], 0, UINT32);
    }
    if (props.contentType !== undefined) checkString('will.properties.contentType', props.contentType);
    if (props.responseTopic !== undefined) validateTopicName(props.responseTopic);
    if (props.correlationData !== undefined)
      toBytes('will.properties.correlationData', props.correlationData);
    checkUserProperties('will.properties.userProperties', props.userProperties);
    // A will that says it is UTF-8 must be (3.1.3.2.3); a server may refuse it with 0x99.
    if (props.payloadFormatIndicator === true && utf8Text(payload) === undefined) {
      throw new InvalidArgumentError(
        'will.payload is not UTF-8, but will.properties.payloadFormatIndicator says it is',
      );
    }
  }
  return defined({ topic: will.topic, payload, qos, retain: will.retain ?? false, properties: props });
}

/**
 * Builds the MQTT 5 CONNECT for the given options.
 *
 * @param options - What to connect with.
 * @returns The packet, ready for {@link encodeConnectV5}.
 * @throws {@link InvalidArgumentError} on a value out of range, a string or binary field that
 *   cannot be encoded, or a will that is not UTF-8 but says it is.
 * @throws {@link InvalidTopicError} on an invalid will topic or will Response Topic.
 */
export function buildConnectV5(options: V5ConnectOptions): V5ConnectPacket {
  const keepalive = options.keepAliveSec ?? 60;
  checkInteger('keepAliveSec', keepalive, 0, UINT16);
  const clientId = options.clientId ?? '';
  checkString('clientId', clientId);
  if (options.username !== undefined) checkString('username', options.username);
  checkInteger('sessionExpiryInterval', options.sessionExpiryInterval, 0, UINT32);
  checkInteger('receiveMaximum', options.receiveMaximum, 1, UINT16);
  checkInteger('maximumPacketSize', options.maximumPacketSize, 1, UINT32);
  checkInteger('topicAliasMaximum', options.topicAliasMaximum, 0, UINT16);
  checkUserProperties('userProperties', options.userProperties);
  const auth = options.authentication;
  if (auth !== undefined) {
    checkString('authentication.method', auth.method);
    if (auth.data !== undefined) toBytes('authentication.data', auth.data);
  }
  const properties: ConnectProperties = defined({
    sessionExpiryInterval: options.sessionExpiryInterval,
    receiveMaximum: options.receiveMaximum,
    maximumPacketSize: options.maximumPacketSize,
    topicAliasMaximum: options.topicAliasMaximum,
    requestResponseInformation: options.requestResponseInformation,
    requestProblemInformation: options.requestProblemInformation,
    userProperties: options.userProperties,
    authenticationMethod: auth?.method,
    authenticationData: auth?.data?.slice(),
  });
  return defined({
    clientId,
    clean: options.clean ?? true,
    keepalive,
    username: options.username,
    password: options.password === undefined ? undefined : toBytes('password', options.password),
    will: options.will === undefined ? undefined : buildWill(options.will),
    properties: Object.keys(properties).length === 0 ? undefined : properties,
  });
}

/**
 * Builds and encodes the MQTT 5 CONNECT.
 *
 * @param options - What to connect with.
 * @returns The encoded packet.
 * @throws As {@link buildConnectV5}.
 */
export function encodeConnectOptionsV5(options: V5ConnectOptions): Uint8Array {
  return encodeConnectV5(buildConnectV5(options));
}
