/**
 * The client's vocabulary as its users and `streams/` see it: coarse states, events, messages and
 * topic observers. A leaf of types only, so `streams/` and the client both import it and neither
 * imports the other's module for its types.
 *
 * @module
 */
import type { ListenerError, MqttError, MqttErrorCode, StoreFault } from '../errors.js';
import type { LifecycleEvent } from '../machines/events.js';
import type { QoS } from '../protocol/encode.js';
import type { SessionEvent } from '../protocol/sessionTypes.js';
import type { StoreFaultAction } from '../protocol/store.js';
import type { MessageProperties } from '../protocol/v5/messageProps.js';
import type { SubscriptionOptionsV5 } from '../protocol/v5/messagePropsSubscribe.js';

/** The client's coarse state, for users. */
export type ClientState = 'idle' | 'connecting' | 'connected' | 'backoff' | 'stopped';

/** A message received from the broker. `payload` is a view: copy it to keep it past the handler. */
export type Message = Extract<SessionEvent, { type: 'message' }>;

/** Every event of the client: lifecycle (from the statechart), session (from the protocol), errors, drain. */
export type ClientEvent =
  | LifecycleEvent
  | SessionEvent
  | ProtocolErrorEvent
  | ListenerErrorEvent
  | DrainEvent
  | StoreFaultEvent;

/**
 * The session store failed while running (spec R203), or its file changed underneath it and was
 * written again (R206). JSON-safe: the `StoreError`'s code, fault, file and message.
 */
export interface StoreFaultEvent {
  readonly type: 'store.fault';
  /** `STORE_IO` (the code of the `StoreError`). */
  readonly code: MqttErrorCode;
  /** Why: `DISK_FULL`, `IO_ERROR`, `READ_ONLY`, `PERMISSION_DENIED`, `FILE_CHANGED`, ... */
  readonly fault: StoreFault;
  /** The store's file. */
  readonly path: string;
  readonly message: string;
  /**
   * What happens now: `stop` (the client stops; what was accepted before the fault is in the
   * store), `memory` (the client carries on, its session no longer durable), or `rewritten` (the
   * store wrote its log again whole and is durable still).
   */
  readonly action: StoreFaultAction;
}

/**
 * The transport, which had reached its high-water mark (`needsDrain`, a publish returning
 * `writable: false`), has handed everything to the operating system: publishing may go on (spec R55).
 */
export interface DrainEvent {
  readonly type: 'drain';
}

/**
 * User code called by the client threw (spec R63); the client went on. Not JSON-safe: `error`
 * carries what was thrown as its `cause`.
 */
export interface ListenerErrorEvent {
  readonly type: 'listener.error';
  readonly error: ListenerError;
}

/** The connection was closed because the broker broke the protocol or sent an oversized packet. */
export interface ProtocolErrorEvent {
  readonly type: 'protocol.error';
  /** The error's code (`PROTOCOL_ERROR`, `PACKET_TOO_LARGE`, `CONNECT_HOOK_FAILED`, ...); `errorFromData` gives the class. */
  readonly code: MqttErrorCode;
  readonly message: string;
}

/** Options of `MqttClient.publish`. */
export interface PublishOptions {
  /** The QoS. @default 0 */
  readonly qos?: QoS;
  /** The RETAIN flag. @default false */
  readonly retain?: boolean;
  /**
   * MQTT 5 properties (spec R290): User Properties, Content Type, Payload Format Indicator,
   * Message Expiry Interval, Response Topic, Correlation Data. Every configured server must speak
   * MQTT 5, else the publish rejects with `InvalidArgumentError`. @default none
   */
  readonly properties?: MessageProperties;
}

/**
 * Options of `MqttClient.subscribe` and `subscribeAsync`: the QoS, and the MQTT 5 subscription
 * options (spec R295, R296), which are an `InvalidArgumentError` when a configured server speaks
 * MQTT 3.1.1.
 */
export interface SubscribeOptions extends SubscriptionOptionsV5 {
  /** The requested QoS (for `subscribeAsync`, of the entries that name none). @default 0 */
  readonly qos?: QoS;
}

/** A consumer of the messages matching one topic filter. */
export interface TopicObserver {
  next(message: Message): void;
  error(error: MqttError): void;
}
