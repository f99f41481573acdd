/**
 * The Mongoose OS MQTT API (`mgos_mqtt_*`, in camelCase) over one {@link MqttClient}: the global
 * connection, publish returning packet ids, topic handlers, connection handlers, the connect fn and
 * cloud events. What is kept from Mongoose and what is fixed: see the class TSDoc.
 */
import { InvalidArgumentError } from '../../errors.js';
import { PacketIdAllocator } from '../../protocol/packetIds.js';
import type { QoS } from '../../protocol/session.js';
import type { ClientEvent } from '../../runtime/client.js';
import { MqttClient } from '../node.js';
import { loadMongooseConfig, type MongooseServerConfig } from './config.js';
import {
  type CloudEvent,
  MG_EV,
  type MgConnectFn,
  type MgEventHandler,
  type MgSubHandler,
} from './events.js';
import {
  type BoundConnectFn,
  delegatingConnectHook,
  logHandlerError,
  MongooseHandlers,
  type TopicSubscription,
} from './handlers.js';
import {
  type MongooseConfig,
  type MongooseMqttFromClient,
  type MongooseMqttFromConfig,
  mongooseClientOptions,
} from './options.js';

/**
 * Mongoose's global MQTT connection. Kept: `pub` returns a fresh packet id (> 0) for a QoS 0
 * message sent, `sub`/`globalSubscribe` use QoS 1 and every matching subscription gets a message,
 * CONNACK refusals are not delivered, `EV_CLOSE` only after a CONNACK, `CLOUD_CONNECTING` on every
 * attempt. Fixed: `pub` returns 0 when the message was neither sent nor queued (the documented
 * contract), `setMaxQos` can raise the maximum again, handlers run in registration order,
 * unmatched QoS 1 messages are acknowledged, `unsub` sends UNSUBSCRIBE only for the last handler
 * of a filter, and a throwing handler cannot break the client (reported to `onHandlerError`).
 *
 * Nothing connects until {@link MongooseMqtt.globalConnect} (Mongoose's first attempt is on
 * `IP_ACQUIRED`). With `mqtt.enable` false no client is created and nothing ever connects.
 */
export class MongooseMqtt {
  readonly #config: MongooseConfig;
  readonly #client: MqttClient | undefined;
  readonly #enabled: boolean;
  readonly #ownsClient: boolean;
  #hookInstalled = false;
  readonly #handlers: MongooseHandlers;
  // getPacketId() without a client (MQTT disabled) still counts, as Mongoose's static counter does.
  readonly #spareIds = new PacketIdAllocator();
  #connectFn: BoundConnectFn | null = null;
  #userMaxQos: QoS | undefined;
  #section: MongooseServerConfig;

  /** @throws {@link ConfigError} when the config cannot be mapped (see {@link mongooseClientOptions}). */
  constructor(init: MongooseMqttFromConfig | MongooseMqttFromClient) {
    this.#config = init.config;
    this.#section = init.config.mqtt;
    this.#enabled = init.config.mqtt.enable;
    this.#handlers = new MongooseHandlers(init.onHandlerError ?? logHandlerError);
    this.#ownsClient = !('client' in init);
    if ('client' in init) this.#client = init.client;
    else if (this.#enabled) {
      // The hook is a constructor option, so install one that reads whatever setConnectFn set last.
      const connectHook = delegatingConnectHook(init.clientOptions?.connectHook, () => this.#connectFn);
      this.#client = new MqttClient(
        mongooseClientOptions(init.config, { ...init.clientOptions, connectHook }),
      );
    }
    this.#client?.onEvent((event) => this.#onEvent(event));
  }

  /**
   * Loads a Mongoose config document (object or JSON) and builds the facade from it.
   * @throws {@link ConfigError} naming the offending key.
   */
  static fromDocument(doc: unknown, init: Omit<MongooseMqttFromConfig, 'config'> = {}): MongooseMqtt {
    return new MongooseMqtt({ ...init, config: loadMongooseConfig(doc) });
  }

  /** The client underneath (for its RxJS streams); undefined when `mqtt.enable` was false. */
  get client(): MqttClient | undefined {
    return this.#client;
  }

  /** `mgos_mqtt_global_connect`: starts connecting; false when MQTT is disabled, else true (also when already up). */
  globalConnect(): boolean {
    const client = this.#active();
    client?.connect();
    return client !== undefined;
  }

  /**
   * `mgos_mqtt_global_disconnect`: stops connecting (a pending retry included); resolves once
   * closed. Queued QoS >= 1 messages stay for the next `globalConnect`, as in Mongoose (spec R84).
   */
  globalDisconnect(): Promise<void> {
    return this.#client?.disconnect({ keepQueue: true }) ?? Promise.resolve();
  }

  /** `mgos_mqtt_global_is_connected`: true between CONNACK rc=0 and the close. */
  globalIsConnected(): boolean {
    return this.#active()?.isConnected() ?? false;
  }

  /** Same as {@link MongooseMqtt.globalIsConnected} (JS `MQTT.isConnected`). */
  isConnected(): boolean {
    return this.globalIsConnected();
  }

  /**
   * `mgos_mqtt_global_subscribe`: subscribes at QoS 1 (now, and after every reconnect). `handler`
   * gets `MG_EV.MQTT_SUBACK` (each SUBACK for this filter, refusals included) and
   * `MG_EV.MQTT_PUBLISH` for every message the filter matches.
   * @throws {@link InvalidTopicError} for an invalid filter.
   */
  globalSubscribe<U>(topic: string, handler: MgEventHandler<U>, userdata: U): void {
    const sub: TopicSubscription = { topic, handler: handler as MgEventHandler<unknown>, userdata };
    this.#handlers.addSubscription(sub);
    const client = this.#active();
    if (client === undefined) return;
    const existed = client.subscriptions().some((s) => s.filter === topic);
    // A fresh observer each time: the client keeps observers in a set and counts them per filter.
    sub.remove = client.addTopicObserver(topic, 1, { next: () => {}, error: () => {} });
    // Mongoose sends one SUBSCRIBE per subscription, so a second handler gets its own SUBACK.
    if (existed) client.session.subscribe(topic, 1);
  }

  /**
   * `mgos_mqtt_add_global_handler`: adds a connection handler for `MG_EV.MQTT_CONNACK` (rc=0),
   * `CLOSE` (after a CONNACK only), `MQTT_PUBACK`, `MQTT_PUBREC`, `MQTT_PUBCOMP`, `MQTT_UNSUBACK`,
   * and the `MQTT_PUBLISH` / `MQTT_SUBACK` no subscription took. Handlers run in registration order.
   * @returns A function that removes it (Mongoose has none).
   */
  addGlobalHandler<U>(handler: MgEventHandler<U>, userdata: U): () => void {
    return this.#handlers.addGlobal(handler as MgEventHandler<unknown>, userdata);
  }

  /**
   * `mgos_mqtt_set_connect_fn`: `fn` runs before every later CONNECT and may change its options
   * (a fresh password per attempt, say); null removes it. It runs after the client's own connect
   * hook (the `connectHook` client option, or the hook an existing client already had), on the
   * options that hook returned (spec R64).
   */
  setConnectFn<A>(fn: MgConnectFn<A> | null, fnArg?: A): void {
    this.#connectFn = fn === null ? null : (options, context) => fn(options, context, fnArg as A);
    // A facade over an existing client installs its delegating hook on first use, composed over
    // the hook the client has then, so what that hook supplies (credentials) still reaches CONNECT.
    const client = this.#client;
    if (!this.#ownsClient && !this.#hookInstalled && client !== undefined) {
      client.setConnectHook(delegatingConnectHook(client.connectHook, () => this.#connectFn));
      this.#hookInstalled = true;
    }
  }

  /**
   * `mgos_mqtt_pub`: QoS 0 is sent now or dropped; QoS >= 1 is sent now or queued.
   * @returns A packet id > 0 when the message was sent or queued (a fresh one for QoS 0), 0 when
   *   it was dropped (QoS 0 while offline, no queue, MQTT disabled).
   * @throws {@link InvalidTopicError}, {@link InvalidArgumentError} (QoS), {@link SizeLimitError}.
   */
  pub(topic: string, message: string | Uint8Array, qos: QoS = 0, retain = false): number {
    const client = this.#active();
    if (client === undefined) return 0;
    const result = client.publishNow(topic, message, qos, retain);
    if (result.disposition === 'dropped') return 0;
    return result.packetId > 0 ? result.packetId : client.session.nextPacketId();
  }

  /** `mgos_mqtt_pubf`: publishes `JSON.stringify(json)`; 0 when it cannot be serialised. */
  pubf(topic: string, qos: QoS, retain: boolean, json: unknown): number {
    let text: string | undefined;
    try {
      text = JSON.stringify(json);
    } catch {
      return 0;
    }
    return text === undefined ? 0 : this.pub(topic, text, qos, retain);
  }

  /** `mgos_mqtt_sub`: QoS 1; `handler` gets each matching message's topic and payload (a copy). */
  sub<U>(topic: string, handler: MgSubHandler<U>, userdata: U): void {
    this.globalSubscribe<U>(
      topic,
      (ev, data, ud) => {
        if (ev === MG_EV.MQTT_PUBLISH && data !== undefined) handler(data.topic, data.payload, ud);
      },
      userdata,
    );
  }

  /**
   * `mgos_mqtt_unsub`: removes the latest subscription with exactly this filter; UNSUBSCRIBE goes
   * out (now, or on the next connection) when no other subscription has the filter.
   * @returns Whether one was found.
   */
  unsub(topic: string): boolean {
    const sub = this.#handlers.removeSubscription(topic);
    sub?.remove?.();
    return sub !== undefined;
  }

  /** `mgos_mqtt_num_unsent_bytes`: queued and in-flight payload bytes plus the socket's unsent bytes. */
  numUnsentBytes(): number {
    return this.#active()?.numUnsentBytes() ?? 0;
  }

  /** `mgos_mqtt_get_packet_id`: the next packet id (consumed); never 0, skips ids in use. */
  getPacketId(): number {
    if (this.#client !== undefined) return this.#client.session.nextPacketId();
    const id = this.#spareIds.next();
    this.#spareIds.release(id);
    return id;
  }

  /**
   * `mgos_mqtt_set_max_qos`: caps later publishes and subscriptions; negative means no cap (2).
   * Unlike Mongoose, raising it back to the config's value works. It outlasts failover, as in Mongoose.
   * @throws {@link InvalidArgumentError} for a non-integer or a value above 2.
   */
  setMaxQos(qos: number): void {
    if (!Number.isInteger(qos) || qos > 2) throw new InvalidArgumentError(`max QoS must be <= 2, got ${qos}`);
    this.#userMaxQos = (qos < 0 ? 2 : qos) as QoS;
    this.#client?.setMaxQos(this.#userMaxQos);
  }

  /**
   * Adds a cloud event handler: `CLOUD_CONNECTING` on every attempt; `CLOUD_CONNECTERROR` (transport
   * failures only), `CLOUD_CONNECTED` and `CLOUD_DISCONNECTED` if the active section's `cloud_events`.
   * @returns A function that removes it.
   */
  onCloudEvent(handler: (event: CloudEvent) => void): () => void {
    return this.#handlers.addCloud(handler);
  }

  #active(): MqttClient | undefined {
    return this.#enabled ? this.#client : undefined;
  }

  #onEvent(event: ClientEvent): void {
    if (event.type === 'connecting') {
      // Mongoose switches its whole config on failover: max_qos and cloud_events follow it.
      this.#section = event.serverIndex === 1 ? this.#config.mqtt1 : this.#config.mqtt;
      this.#client?.setMaxQos(this.#userMaxQos ?? this.#section.max_qos);
    }
    this.#handlers.dispatch(event, this.#section.cloud_events);
  }
}
