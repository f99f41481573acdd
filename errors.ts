/**
 * Typed errors of mqtt-lifeline. Every public failure is one of these classes, each with a stable
 * `code` so callers can branch without parsing messages.
 *
 * A failure is built as one of these classes where it happens (transport, decoder, machine, connect
 * hook); events and the journal carry it as plain data ({@link ErrorData}, from `toData()`), and an
 * API call that fails rejects with the class again ({@link errorFromData}). Spec R82.
 *
 * Fields are `declare`d and set by the constructors: the same own properties, without the class
 * field definitions the compiler would otherwise emit for each (bytes in every browser bundle).
 */

/** The stable codes carried by {@link MqttError.code}. */
export type MqttErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_CONFIG'
  | 'INVALID_TOPIC'
  | 'PAYLOAD_TOO_LARGE'
  | 'PACKET_TOO_LARGE'
  | 'PROTOCOL_ERROR'
  | 'CONNACK_REFUSED'
  | 'CONNECT_HOOK_FAILED'
  | 'CONNECT_TIMEOUT'
  | 'PING_TIMEOUT'
  | 'WAIT_TIMEOUT'
  | 'TRANSPORT_ERROR'
  | 'TRANSPORT_CLOSED'
  | 'NOT_CONNECTED'
  | 'QUEUE_FULL'
  | 'MESSAGE_DROPPED'
  | 'SUBSCRIBE_FAILED'
  | 'UNSUBSCRIBE_FAILED'
  | 'DECODE_FAILED'
  | 'CLIENT_CLOSED'
  | 'STORE_CORRUPT'
  | 'STORE_LOCKED'
  | 'STORE_IO'
  | 'LISTENER_ERROR'
  | 'SERVER_DISCONNECT'
  | 'PUBLISH_REFUSED'
  | 'BROKER_CAPABILITY';

/**
 * Why a transport failed, for `TRANSPORT_ERROR` (spec R75): what a user can act on, without
 * parsing messages. Classified by `adapters/transports/errors.ts`.
 */
export type TransportErrorReason =
  | 'CONNECTION_REFUSED'
  | 'HOST_NOT_FOUND'
  | 'TIMED_OUT'
  | 'CONNECTION_RESET'
  | 'UNSUPPORTED_SCHEME'
  | 'TLS_UNKNOWN_CA'
  | 'TLS_HOSTNAME_MISMATCH'
  | 'TLS_CERT_EXPIRED'
  | 'TLS_CERT_NOT_YET_VALID'
  | 'TLS_CLIENT_CERT_REQUIRED'
  | 'TLS_CLIENT_CERT_REJECTED'
  | 'TLS_PSK_REJECTED'
  | 'TLS_CONFIG'
  | 'TLS_HANDSHAKE'
  | 'WS_HANDSHAKE'
  | 'WS_PROTOCOL'
  | 'OTHER';

/** A failure as plain, JSON-safe data: what travels through the machine and the journal. */
export interface ErrorData {
  /** The error's stable code. */
  readonly code: MqttErrorCode;
  /** A human-readable explanation. */
  readonly message: string;
  /** The CONNACK return code, for `CONNACK_REFUSED`. */
  readonly returnCode?: number;
  /** The size that was seen, in bytes, for `PAYLOAD_TOO_LARGE` / `PACKET_TOO_LARGE`. */
  readonly size?: number;
  /** The limit that was hit, in bytes, for `PAYLOAD_TOO_LARGE` / `PACKET_TOO_LARGE`. */
  readonly limit?: number;
  /** The option that sets that limit, when there is one (`session.maxQueueBytes`). */
  readonly option?: string;
  /** Why the transport failed, for `TRANSPORT_ERROR`. */
  readonly reason?: TransportErrorReason;
  /**
   * The MQTT 5 reason code: the one the client's DISCONNECT carries, for a
   * {@link ProtocolViolationError}; the server's, for a {@link ServerDisconnectError}.
   */
  readonly reasonCode?: number;
}

/** Base class of every error mqtt-lifeline throws or rejects with. */
export class MqttError extends Error {
  override name = 'MqttError';
  /** The error's stable code. */
  declare readonly code: MqttErrorCode;
  constructor(code: MqttErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
  /** This error as plain data, for events and journals. */
  toData(): ErrorData {
    return { code: this.code, message: this.message };
  }
}

/** A caller passed a value the API does not accept (a programmer error). */
export class InvalidArgumentError extends MqttError {
  override name = 'InvalidArgumentError';
  constructor(message: string, options?: ErrorOptions) {
    super('INVALID_ARGUMENT', message, options);
  }
}

/** A configuration value is invalid; `key` names it (for example `mqtt1.reconnect_timeout_min`). */
export class ConfigError extends MqttError {
  override name = 'ConfigError';
  /** The dotted path of the offending key. */
  declare readonly key: string;
  constructor(key: string, message: string, options?: ErrorOptions) {
    super('INVALID_CONFIG', `${key}: ${message}`, options);
    this.key = key;
  }
}

/** A topic name or filter breaks MQTT 3.1.1 section 4.7. */
export class InvalidTopicError extends MqttError {
  override name = 'InvalidTopicError';
  /** The rejected topic. */
  declare readonly topic: string;
  constructor(topic: string, reason: string, options?: ErrorOptions) {
    super('INVALID_TOPIC', `invalid topic ${JSON.stringify(topic)}: ${reason}`, options);
    this.topic = topic;
  }
}

/** A payload or packet is larger than the configured or protocol limit. */
export class SizeLimitError extends MqttError {
  override name = 'SizeLimitError';
  /** The size that was seen, in bytes. */
  declare readonly size: number;
  /** The limit, in bytes. */
  declare readonly limit: number;
  /** The option that sets the limit (`session.maxQueueBytes`), when there is one. */
  declare readonly option: string | undefined;
  constructor(code: 'PAYLOAD_TOO_LARGE' | 'PACKET_TOO_LARGE', size: number, limit: number, option?: string) {
    super(
      code,
      `${code === 'PAYLOAD_TOO_LARGE' ? 'payload' : 'packet'} of ${size} bytes exceeds ${option === undefined ? `the limit of ${limit} bytes` : `${option} (${limit} bytes)`}`,
    );
    this.size = size;
    this.limit = limit;
    this.option = option;
  }
  override toData(): ErrorData {
    const data = { code: this.code, message: this.message, size: this.size, limit: this.limit };
    return this.option === undefined ? data : { ...data, option: this.option };
  }
}

/** The broker sent something MQTT 3.1.1 forbids; the client closes the connection. */
export class ProtocolError extends MqttError {
  override name = 'ProtocolError';
  constructor(message: string, options?: ErrorOptions) {
    super('PROTOCOL_ERROR', message, options);
  }
}

/**
 * The broker sent an MQTT 5 packet that breaks a rule of the standard. `reasonCode` is what the
 * client's DISCONNECT must carry before it closes the connection: 0x81 (Malformed Packet) for
 * bytes that do not parse as the packet, 0x82 (Protocol Error) for a packet that parses but is not
 * allowed, 0x95 (Packet too large)... The message ends with the code and its name.
 */
export class ProtocolViolationError extends ProtocolError {
  override name = 'ProtocolViolationError';
  /** The reason code of the DISCONNECT the client sends (0x80-0xA2). */
  declare readonly reasonCode: number;
  constructor(reasonCode: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reasonCode = reasonCode;
  }
  override toData(): ErrorData {
    return { code: this.code, message: this.message, reasonCode: this.reasonCode };
  }
}

/**
 * The MQTT 5 server sent DISCONNECT (spec R240): `reasonCode` says why (0x8B server shutting down,
 * 0x8E session taken over, 0x89 server busy ...), the message names it and carries the server's
 * Reason String when it sent one. The client retries on its schedule, as for a lost connection.
 */
export class ServerDisconnectError extends MqttError {
  override name = 'ServerDisconnectError';
  /** The DISCONNECT's reason code. */
  declare readonly reasonCode: number;
  constructor(reasonCode: number, message: string, options?: ErrorOptions) {
    super('SERVER_DISCONNECT', message, options);
    this.reasonCode = reasonCode;
  }
  override toData(): ErrorData {
    return { code: this.code, message: this.message, reasonCode: this.reasonCode };
  }
}

/**
 * An MQTT 5 broker answered a QoS 1 or 2 publish with a failure reason code in PUBACK or PUBREC
 * (spec R244): 0x87 not authorized, 0x97 quota exceeded, 0x90 topic name invalid ... The broker
 * did not take the message; the message names the code.
 */
export class PublishRefusedError extends MqttError {
  override name = 'PublishRefusedError';
  /** The PUBACK's or PUBREC's reason code (0x80 and above). */
  declare readonly reasonCode: number;
  constructor(reasonCode: number, message: string, options?: ErrorOptions) {
    super('PUBLISH_REFUSED', message, options);
    this.reasonCode = reasonCode;
  }
  override toData(): ErrorData {
    return { code: this.code, message: this.message, reasonCode: this.reasonCode };
  }
}

/** Human-readable meaning of each MQTT 3.1.1 CONNACK return code. */
export const CONNACK_REASONS: Readonly<Record<number, string>> = {
  1: 'unacceptable protocol version',
  2: 'identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
};

/**
 * The broker refused the CONNECT (CONNACK return code other than 0). The message gives the
 * return code's meaning and the code: `connection refused: bad user name or password (return code 4)`.
 */
export class ConnackError extends MqttError {
  override name = 'ConnackError';
  /** The CONNACK return code (1-5 in MQTT 3.1.1), or its reason code (0x80 and above in MQTT 5). */
  declare readonly returnCode: number;
  /**
   * @param returnCode - The return or reason code.
   * @param message - The message, when the caller knows the code's name (MQTT 5 reason codes).
   *   @default the 3.1.1 return code's meaning and the code
   */
  constructor(returnCode: number, message?: string) {
    super(
      'CONNACK_REFUSED',
      message ??
        `connection refused: ${CONNACK_REASONS[returnCode] ?? 'unknown reason'} (return code ${returnCode})`,
    );
    this.returnCode = returnCode;
  }
  override toData(): ErrorData {
    return { code: this.code, message: this.message, returnCode: this.returnCode };
  }
}

/**
 * A deadline passed: `CONNECT_TIMEOUT` (no CONNACK within `connectTimeoutMs` of an attempt, or no
 * session within `connect({ timeoutMs })`), `PING_TIMEOUT` (no PINGRESP), or `WAIT_TIMEOUT`
 * (`whenState`'s `timeoutMs`).
 */
export class TimeoutError extends MqttError {
  override name = 'TimeoutError';
  constructor(
    code: 'CONNECT_TIMEOUT' | 'PING_TIMEOUT' | 'WAIT_TIMEOUT',
    message: string,
    options?: ErrorOptions,
  ) {
    super(code, message, options);
  }
}

/**
 * The transport failed to open or failed while open (`TRANSPORT_ERROR`, `reason` says why: unknown
 * CA, refused ...), or the peer closed it (`TRANSPORT_CLOSED`).
 */
export class TransportError extends MqttError {
  override name = 'TransportError';
  /** Why the transport failed. */
  declare readonly reason: TransportErrorReason;
  constructor(
    message: string,
    options?: ErrorOptions & { code?: 'TRANSPORT_ERROR' | 'TRANSPORT_CLOSED'; reason?: TransportErrorReason },
  ) {
    super(options?.code ?? 'TRANSPORT_ERROR', message, options);
    this.reason = options?.reason ?? 'OTHER';
  }
  override toData(): ErrorData {
    const data = super.toData();
    return this.code === 'TRANSPORT_CLOSED' ? data : { ...data, reason: this.reason };
  }
}

/** The connect hook threw or rejected: the attempt fails with this (its `cause` is what the hook threw). */
export class ConnectHookError extends MqttError {
  override name = 'ConnectHookError';
  constructor(message: string, options?: ErrorOptions) {
    super('CONNECT_HOOK_FAILED', message, options);
  }
}

/** An operation needs a connection and there is none (and it cannot be queued). */
export class NotConnectedError extends MqttError {
  override name = 'NotConnectedError';
  constructor(message = 'not connected') {
    super('NOT_CONNECTED', message);
  }
}

/** A queued message was dropped (queue overflow, or its session was lost). */
export class MessageDroppedError extends MqttError {
  override name = 'MessageDroppedError';
  constructor(code: 'QUEUE_FULL' | 'MESSAGE_DROPPED', message: string) {
    super(code, message);
  }
}

/**
 * The broker answered a SUBSCRIBE with a failure code: 0x80, or in MQTT 5 one of 0x80 and above
 * that says why (0x87 not authorized, 0x8F topic filter invalid, 0x9E shared subscriptions not
 * supported ...; spec R245).
 */
export class SubscribeError extends MqttError {
  override name = 'SubscribeError';
  /** The filter the broker refused. */
  declare readonly filter: string;
  /** The SUBACK's code for the filter. @default 0x80 */
  declare readonly reasonCode: number;
  /**
   * @param filter - The filter refused.
   * @param reasonCode - The SUBACK's code. @default 0x80
   * @param reason - The code's name, added to the message. @default none
   */
  constructor(filter: string, reasonCode = 0x80, reason?: string) {
    super(
      'SUBSCRIBE_FAILED',
      `the broker refused the subscription to ${JSON.stringify(filter)}${reason === undefined ? '' : `: ${reason} (reason code 0x${reasonCode.toString(16).toUpperCase()})`}`,
    );
    this.filter = filter;
    this.reasonCode = reasonCode;
  }
}

/**
 * The broker refused an unsubscribe (MQTT 5 UNSUBACK code 0x80 or above, e.g. 0x87 Not authorized):
 * the client no longer routes the filter's messages, and the broker may still send them.
 */
export class UnsubscribeError extends MqttError {
  override name = 'UnsubscribeError';
  /** The filter the broker refused to unsubscribe. */
  declare readonly filter: string;
  /** The UNSUBACK's code for the filter. */
  declare readonly reasonCode: number;
  /**
   * @param filter - The filter.
   * @param reasonCode - The UNSUBACK's code.
   * @param reason - The code's name, added to the message. @default none
   */
  constructor(filter: string, reasonCode: number, reason?: string) {
    super(
      'UNSUBSCRIBE_FAILED',
      `the broker refused to unsubscribe ${JSON.stringify(filter)}: ${reason ?? 'refused'} (reason code 0x${reasonCode.toString(16).toUpperCase()})`,
    );
    this.filter = filter;
    this.reasonCode = reasonCode;
  }
}

/** A received payload could not be decoded (by `json()` or `decode()`); `cause` is the parser's error. */
export class DecodeError extends MqttError {
  override name = 'DecodeError';
  /** The topic of the message that did not decode. */
  declare readonly topic: string;
  constructor(topic: string, options?: ErrorOptions) {
    const cause = options?.cause;
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('DECODE_FAILED', `could not decode the payload on ${JSON.stringify(topic)}: ${reason}`, options);
    this.topic = topic;
  }
}

/**
 * The client stopped while the operation was pending: `disconnect()` was called (spec R84), or the
 * client gave up (its `cause` is then the error that made it stop).
 */
export class ClientClosedError extends MqttError {
  override name = 'ClientClosedError';
  constructor(message = 'the client was disconnected', options?: ErrorOptions) {
    super('CLIENT_CLOSED', message, options);
  }
}

/**
 * The typed error that `data` describes: the class its code belongs to, with its message (and
 * return code, size and limit). Events and journals carry failures as {@link ErrorData}; this is
 * how an API call turns one back into the error it rejects with.
 */
export function errorFromData(data: ErrorData, options?: ErrorOptions): MqttError {
  const { code, message } = data;
  // The codes only an MQTT 5 broker causes; the rest are read by `errorFromData311`.
  switch (code) {
    case 'PROTOCOL_ERROR':
      return data.reasonCode === undefined
        ? new ProtocolError(message, options)
        : new ProtocolViolationError(data.reasonCode, message, options);
    case 'SERVER_DISCONNECT':
      return new ServerDisconnectError(data.reasonCode ?? 0, message, options);
    case 'PUBLISH_REFUSED':
      return new PublishRefusedError(data.reasonCode ?? 0x80, message, options);
    case 'BROKER_CAPABILITY':
      return new CapabilityError(data.reasonCode ?? 0x80, message, options);
    default:
      return errorFromData311(data, options);
  }
}

/**
 * {@link errorFromData} for the failures of a client that speaks MQTT 3.1.1 only (no MQTT 5
 * profile, spec R355): every code but the four only MQTT 5 causes (an MQTT 5 violation's reason
 * code, `SERVER_DISCONNECT`, `PUBLISH_REFUSED`, `BROKER_CAPABILITY`), which it reads as a plain
 * `ProtocolError` or `MqttError` with the same code and message. What the default browser client
 * uses, so that it carries none of the MQTT 5 classes; internal, not in the index.
 */
export function errorFromData311(data: ErrorData, options?: ErrorOptions): MqttError {
  const { code, message } = data;
  switch (code) {
    case 'CONNACK_REFUSED':
      return new ConnackError(data.returnCode ?? 0, message);
    case 'CONNECT_TIMEOUT':
    case 'PING_TIMEOUT':
    case 'WAIT_TIMEOUT':
      return new TimeoutError(code, message, options);
    case 'TRANSPORT_ERROR':
    case 'TRANSPORT_CLOSED':
      return new TransportError(message, { ...options, code, reason: data.reason });
    case 'CONNECT_HOOK_FAILED':
      return new ConnectHookError(message, options);
    case 'PROTOCOL_ERROR':
      return new ProtocolError(message, options);
    case 'PAYLOAD_TOO_LARGE':
    case 'PACKET_TOO_LARGE':
      return new SizeLimitError(code, data.size ?? 0, data.limit ?? 0, data.option);
    case 'CLIENT_CLOSED':
      return new ClientClosedError(message, options);
    case 'NOT_CONNECTED':
      return new NotConnectedError(message);
    case 'QUEUE_FULL':
    case 'MESSAGE_DROPPED':
      return new MessageDroppedError(code, message);
    case 'INVALID_ARGUMENT':
      return new InvalidArgumentError(message, options);
    default:
      return new MqttError(code, message, options);
  }
}

/**
 * What went wrong under a session store, for {@link StoreError.fault} (spec R201): what a user can
 * act on (free space, fix the mount, the permissions) without parsing messages.
 * - `DISK_FULL`: ENOSPC or EDQUOT. - `IO_ERROR`: EIO (a write or an fsync failed: the disk).
 * - `READ_ONLY`: EROFS. - `PERMISSION_DENIED`: EACCES or EPERM.
 * - `FILE_CHANGED`: the log was deleted, truncated or replaced underneath the running store.
 * - `LOCKED`: code `STORE_LOCKED`. - `CORRUPT`: code `STORE_CORRUPT`.
 * - `CLOSED`: the store was used after `close()`. - `OTHER`: any other system error.
 */
export type StoreFault =
  | 'DISK_FULL'
  | 'IO_ERROR'
  | 'READ_ONLY'
  | 'PERMISSION_DENIED'
  | 'FILE_CHANGED'
  | 'LOCKED'
  | 'CORRUPT'
  | 'CLOSED'
  | 'OTHER';

/**
 * A session store cannot be used: its file is corrupted, foreign or of an unknown format version
 * (`STORE_CORRUPT`), another process (or another open in this one) holds it (`STORE_LOCKED`), or
 * the operating system refused a read or write (`STORE_IO`; `fault` says why, `cause` is the
 * system error). The client does not start on it; a fault while running follows the store's
 * `onFault` policy (spec R200-R209).
 */
export class StoreError extends MqttError {
  override name = 'StoreError';
  /** The store's file. */
  declare readonly path: string;
  /** Why, as a stable name (spec R201). */
  declare readonly fault: StoreFault;
  constructor(
    code: 'STORE_CORRUPT' | 'STORE_LOCKED' | 'STORE_IO',
    path: string,
    reason: string,
    options?: ErrorOptions & { fault?: StoreFault },
  ) {
    super(code, `session store ${path}: ${reason}`, options);
    this.path = path;
    this.fault =
      options?.fault ?? (code === 'STORE_LOCKED' ? 'LOCKED' : code === 'STORE_CORRUPT' ? 'CORRUPT' : 'OTHER');
  }
}

/** Which kind of user callback threw, in a {@link ListenerError}. */
export type ListenerKind =
  | 'message'
  | 'event'
  | 'lifecycle'
  | 'protocolError'
  | 'snapshot'
  | 'topicObserver'
  | 'completion'
  | 'journal'
  | 'logger';

/** What was thrown, as text, whatever it is (an object without a prototype has no `toString`). */
function describeThrown(thrown: unknown): string {
  if (thrown instanceof Error) return `${thrown.name}: ${thrown.message}`;
  try {
    return String(thrown);
  } catch {
    return Object.prototype.toString.call(thrown);
  }
}

/**
 * User code called by the client threw (spec R63). The client caught it and went on: the message
 * was still acknowledged and the other listeners still called. `cause` is what was thrown.
 */
export class ListenerError extends MqttError {
  override name = 'ListenerError';
  /** Which kind of callback threw. */
  declare readonly listener: ListenerKind;
  constructor(listener: ListenerKind, cause: unknown) {
    super('LISTENER_ERROR', `a ${listener} callback threw (the client went on): ${describeThrown(cause)}`, {
      cause,
    });
    this.listener = listener;
  }
}

/**
 * What an MQTT 5 broker said in its CONNACK that it does not support, checked before sending
 * (spec R253-R255): a publish above its Maximum QoS or with RETAIN when Retain Available is 0, a
 * wildcard or shared filter or a Subscription Identifier it said it lacks. Nothing was sent; the
 * broker would have closed the connection. `reasonCode` is the code the broker would have sent
 * (0x9B QoS not supported, 0x9A Retain not supported, 0xA2, 0x9E, 0xA1), and the message names the
 * capability, e.g. `the broker does not support retained messages (CONNACK Retain Available 0)`.
 */
export class CapabilityError extends MqttError {
  override name = 'CapabilityError';
  /** The reason code the broker would have answered with. */
  declare readonly reasonCode: number;
  constructor(reasonCode: number, message: string, options?: ErrorOptions) {
    super('BROKER_CAPABILITY', message, options);
    this.reasonCode = reasonCode;
  }
  override toData(): ErrorData {
    return { code: this.code, message: this.message, reasonCode: this.reasonCode };
  }
}

/** Every error class, for `instanceof` checks and documentation. */
export const errors = {
  MqttError,
  InvalidArgumentError,
  ConfigError,
  InvalidTopicError,
  SizeLimitError,
  ProtocolError,
  ProtocolViolationError,
  ConnackError,
  TimeoutError,
  TransportError,
  NotConnectedError,
  MessageDroppedError,
  SubscribeError,
  UnsubscribeError,
  ClientClosedError,
  ConnectHookError,
  DecodeError,
  StoreError,
  ListenerError,
  CapabilityError,
} as const;
