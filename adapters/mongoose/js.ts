/**
 * The `MQTT` object of Mongoose's mJS API (`api_mqtt.js`) over a {@link MongooseMqtt} facade:
 * strings instead of bytes, `setEventHandler` adding a connection handler, the event numbers.
 */
import type { QoS } from '../../protocol/session.js';
import { MG_EV, type MgEvent, type MgMqttMessage, type MqttJsEventData } from './events.js';
import type { MongooseMqtt } from './facade.js';

// Invalid UTF-8 becomes U+FFFD: a JS handler gets a string whatever the bytes.
const decoder = new TextDecoder();
const utf8 = (bytes: Uint8Array): string => decoder.decode(bytes);
const toJsData = (data: MgMqttMessage | undefined): MqttJsEventData | null =>
  data === undefined ? null : { ...data, payload: utf8(data.payload) };

/** The JS API `MQTT` object. `conn` in callbacks is the facade itself (Mongoose: an opaque handle). */
export interface MqttJs {
  /** `MQTT.isConnected()`: true if the MQTT session is up. */
  isConnected(): boolean;
  /** `MQTT.sub(topic, cb, ud)`: subscribes at QoS 1; `cb(conn, topic, msg, ud)` with `msg` decoded as UTF-8. */
  sub<U>(topic: string, cb: (conn: MongooseMqtt, topic: string, msg: string, ud: U) => void, ud?: U): void;
  /**
   * `MQTT.pub(topic, msg, qos, retain)`: the packet id (> 0) when sent or queued, 0 when dropped.
   * @param qos - @default 0
   * @param retain - @default false
   */
  pub(topic: string, msg: string, qos?: QoS, retain?: boolean): number;
  /**
   * `MQTT.setEventHandler(cb, ud)`: ADDS a connection handler (it is `add_global_handler`; earlier
   * ones stay). `edata` is null for `EV_CLOSE`.
   */
  setEventHandler<U>(
    cb: (conn: MongooseMqtt, ev: MgEvent, edata: MqttJsEventData | null, ud: U) => void,
    ud?: U,
  ): void;
  /** 202 */
  readonly EV_CONNACK: typeof MG_EV.MQTT_CONNACK;
  /** 203 */
  readonly EV_PUBLISH: typeof MG_EV.MQTT_PUBLISH;
  /** 204 */
  readonly EV_PUBACK: typeof MG_EV.MQTT_PUBACK;
  /** 205 */
  readonly EV_PUBREC: typeof MG_EV.MQTT_PUBREC;
  /** 206 (never delivered: the client handles PUBREL itself) */
  readonly EV_PUBREL: typeof MG_EV.MQTT_PUBREL;
  /** 207 */
  readonly EV_PUBCOMP: typeof MG_EV.MQTT_PUBCOMP;
  /** 209 */
  readonly EV_SUBACK: typeof MG_EV.MQTT_SUBACK;
  /** 211 */
  readonly EV_UNSUBACK: typeof MG_EV.MQTT_UNSUBACK;
  /** 5 (`Net.EV_CLOSE`) */
  readonly EV_CLOSE: typeof MG_EV.CLOSE;
}

/**
 * Builds the JS API `MQTT` object over a facade. Handlers that throw are reported through the
 * facade's `onHandlerError`, like C-style handlers.
 */
export function createMqttJs(facade: MongooseMqtt): MqttJs {
  return {
    isConnected: () => facade.isConnected(),
    sub<U>(topic: string, cb: (conn: MongooseMqtt, topic: string, msg: string, ud: U) => void, ud?: U): void {
      facade.sub<U>(topic, (t, msg, u) => cb(facade, t, utf8(msg), u), ud as U);
    },
    pub: (topic, msg, qos = 0, retain = false) => facade.pub(topic, msg, qos, retain),
    setEventHandler<U>(
      cb: (conn: MongooseMqtt, ev: MgEvent, edata: MqttJsEventData | null, ud: U) => void,
      ud?: U,
    ): void {
      facade.addGlobalHandler<U>((ev, data, u) => cb(facade, ev, toJsData(data), u), ud as U);
    },
    EV_CONNACK: MG_EV.MQTT_CONNACK,
    EV_PUBLISH: MG_EV.MQTT_PUBLISH,
    EV_PUBACK: MG_EV.MQTT_PUBACK,
    EV_PUBREC: MG_EV.MQTT_PUBREC,
    EV_PUBREL: MG_EV.MQTT_PUBREL,
    EV_PUBCOMP: MG_EV.MQTT_PUBCOMP,
    EV_SUBACK: MG_EV.MQTT_SUBACK,
    EV_UNSUBACK: MG_EV.MQTT_UNSUBACK,
    EV_CLOSE: MG_EV.CLOSE,
  };
}
