/**
 * The vocabulary of the Mongoose facade: Mongoose's event numbers, the event data handed to
 * handlers, the handler signatures and the cloud events. Import it through `./mongoose.js`.
 */
import type { ConnectOptions } from '../../protocol/connect.js';
import type { QoS } from '../../protocol/session.js';

/**
 * Mongoose event numbers: `MG_EV_CLOSE` and `MG_MQTT_EVENT_BASE` (200) plus the MQTT command.
 * `MQTT_PUBREL` and `MQTT_PINGRESP` are listed for completeness but never delivered: this client
 * handles inbound PUBREL and PINGRESP itself.
 */
export const MG_EV = Object.freeze({
  CLOSE: 5,
  MQTT_CONNACK: 202,
  MQTT_PUBLISH: 203,
  MQTT_PUBACK: 204,
  MQTT_PUBREC: 205,
  MQTT_PUBREL: 206,
  MQTT_PUBCOMP: 207,
  MQTT_SUBACK: 209,
  MQTT_UNSUBACK: 211,
  MQTT_PINGRESP: 213,
} as const);

/** One of the {@link MG_EV} numbers. */
export type MgEvent = (typeof MG_EV)[keyof typeof MG_EV];

/**
 * Mongoose's `struct mg_mqtt_message`: the data of every MQTT event (`MG_EV_CLOSE` has none).
 * Fields that an event does not carry are 0, `''` or empty.
 */
export interface MgMqttMessage {
  /** The packet id: of the acknowledged packet (PUBACK, PUBREC, PUBCOMP, SUBACK, UNSUBACK); 0 otherwise. */
  readonly messageId: number;
  /** PUBLISH: the topic; SUBACK and UNSUBACK: the filter (Mongoose leaves it empty); else `''`. */
  readonly topic: string;
  /** PUBLISH: the payload, a copy the handler may keep; else empty. */
  readonly payload: Uint8Array;
  /** PUBLISH: its QoS; SUBACK: the QoS granted (0 when refused); else 0. */
  readonly qos: QoS;
  /** PUBLISH: the RETAIN flag. */
  readonly retain: boolean;
  /** PUBLISH: the DUP flag. */
  readonly dup: boolean;
  /** CONNACK: the return code (always 0: refusals are not delivered, as in Mongoose). */
  readonly connackRetCode: number;
  /** CONNACK: the session-present flag. */
  readonly sessionPresent: boolean;
  /** SUBACK: false when the broker refused the subscription (0x80; Mongoose does not tell). */
  readonly granted: boolean;
}

/** The same data as handed to JS API handlers: the payload decoded as UTF-8. */
export interface MqttJsEventData extends Omit<MgMqttMessage, 'payload'> {
  /** PUBLISH: the payload as a string; else `''`. */
  readonly payload: string;
}

/**
 * A Mongoose `mg_event_handler_t`: `ev` is an {@link MG_EV} number, `data` is undefined for
 * `MG_EV_CLOSE`.
 */
export type MgEventHandler<U = unknown> = (ev: MgEvent, data: MgMqttMessage | undefined, userdata: U) => void;

/** Mongoose's `sub_handler_t`: a message on a subscribed topic; `message` is a copy it may keep. */
export type MgSubHandler<U = unknown> = (topic: string, message: Uint8Array, userdata: U) => void;

/** Which server an attempt is for, as the connect fn sees it. */
export interface MgConnectContext {
  /** The server's name: `mqtt` or `mqtt1`. */
  readonly server: string;
  /** Its index in the ring: 0 for `mqtt`, 1 for `mqtt1`. */
  readonly serverIndex: number;
}

/**
 * Mongoose's `mgos_mqtt_connect_fn_t`: runs before every CONNECT with the options about to be sent
 * (client id included) and returns the options to send, or undefined to send them unchanged. May
 * be async. A throw or rejection fails that attempt, which is retried after the backoff.
 */
export type MgConnectFn<A = unknown> = (
  options: ConnectOptions,
  context: MgConnectContext,
  fnArg: A,
) => ConnectOptions | undefined | Promise<ConnectOptions | undefined>;

/** Mongoose's cloud event names (`MGOS_EVENT_CLOUD_*`). */
export type CloudEventType =
  | 'CLOUD_CONNECTING'
  | 'CLOUD_CONNECTERROR'
  | 'CLOUD_CONNECTED'
  | 'CLOUD_DISCONNECTED';

/** A cloud event (`struct mgos_cloud_arg` with `type = MGOS_CLOUD_MQTT`, plus the server). */
export interface CloudEvent {
  /** Which event. */
  readonly type: CloudEventType;
  /** Always `'MQTT'` (`MGOS_CLOUD_MQTT`). */
  readonly cloud: 'MQTT';
  /** The server's name: `mqtt` or `mqtt1`. */
  readonly server: string;
}

/** Where a handler that threw was registered, for `onHandlerError`. */
export type HandlerKind = 'global' | 'subscription' | 'cloud';

/** Receives what a user handler threw; the facade goes on with the next handler. */
export type HandlerErrorReporter = (error: unknown, kind: HandlerKind) => void;
