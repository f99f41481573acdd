/**
 * The schema of a Mongoose `mqtt` / `mqtt1` config section: its keys, types and defaults, as in
 * `mos.yml` of mongoose-os-libs/mqtt. Import it through `./mongooseConfig.js`.
 */

/**
 * One Mongoose MQTT server section (`mqtt` or `mqtt1`). Keys, types and defaults are Mongoose's;
 * the defaults listed are those of `mqtt` (see {@link MONGOOSE_MQTT1_DEFAULTS} for `mqtt1`).
 */
export interface MongooseServerConfig {
  /**
   * Whether this section is used. `mqtt1` is used only as the backup of an enabled `mqtt`.
   * @default false
   */
  readonly enable: boolean;
  /**
   * `host[:port]` or `[ipv6][:port]`; see {@link resolveServerAddress} for the default port.
   * @default "iot.eclipse.org:1883"
   */
  readonly server: string;
  /**
   * The MQTT client id. Empty: Mongoose uses `device.id`; this client supplies its own.
   * @default ""
   */
  readonly client_id: string;
  /**
   * User name; empty means none is sent.
   * @default ""
   */
  readonly user: string;
  /**
   * Password; empty means none is sent. Needs `user` [MQTT-3.1.2-22].
   * @default ""
   */
  readonly pass: string;
  /**
   * First reconnect delay, in seconds: greater than 0, at most 2147483 (the `setTimeout` limit), fractions
   * allowed.
   * @default 2
   */
  readonly reconnect_timeout_min: number;
  /**
   * Largest reconnect delay, in seconds; at least `reconnect_timeout_min`, at most 2147483.
   * @default 60
   */
  readonly reconnect_timeout_max: number;
  /**
   * Client certificate for mutual TLS.
   * @default ""
   */
  readonly ssl_cert: string;
  /**
   * Private key of `ssl_cert`.
   * @default ""
   */
  readonly ssl_key: string;
  /**
   * CA bundle to verify the server with; setting it enables TLS and makes 8883 the default port.
   * @default ""
   */
  readonly ssl_ca_cert: string;
  /**
   * TLS cipher suites to offer.
   * @default ""
   */
  readonly ssl_cipher_suites: string;
  /**
   * PSK identity; needs PSK cipher suites.
   * @default ""
   */
  readonly ssl_psk_identity: string;
  /**
   * PSK key.
   * @default ""
   */
  readonly ssl_psk_key: string;
  /**
   * Name sent in SNI and checked against the server's certificate, when it differs from the host
   * in `server` (Mongoose's `mg_connect_opts.ssl_server_name`).
   * @default "" (the host of `server`)
   */
  readonly ssl_server_name: string;
  /**
   * The CONNECT clean-session flag.
   * @default true
   */
  readonly clean_session: boolean;
  /**
   * Keep-alive interval in seconds, 0 to 65535 (Mongoose sends 60 for 0).
   * @default 60
   */
  readonly keep_alive: number;
  /**
   * Will topic. The will is sent only when both it and `will_message` are non-empty (Mongoose).
   * @default ""
   */
  readonly will_topic: string;
  /**
   * Will message. The will is sent only when both it and `will_topic` are non-empty (Mongoose).
   * @default ""
   */
  readonly will_message: string;
  /**
   * The will's retain flag (the will QoS is always 0 in Mongoose).
   * @default false
   */
  readonly will_retain: boolean;
  /**
   * Highest QoS used for outgoing publishes and subscriptions; higher requests are downgraded. A negative
   * value in the document means no limit and loads as 2.
   * @default 2
   */
  readonly max_qos: 0 | 1 | 2;
  /**
   * Largest incomplete inbound packet, in bytes, before the connection is closed; 0 means no limit (as in
   * Mongoose).
   * @default 3072
   */
  readonly recv_mbuf_limit: number;
  /**
   * Connect only once the wall clock is set (Mongoose: time after 2017-07-14).
   * @default false
   */
  readonly require_time: boolean;
  /**
   * Emit cloud connected / disconnected events.
   * @default true
   */
  readonly cloud_events: boolean;
  /**
   * Most QoS 1 and 2 publishes kept while offline or unacknowledged; the oldest is dropped beyond it; 0
   * disables the queue.
   * @default 5
   */
  readonly max_queue_length: number;
  /**
   * Carry MQTT over WebSocket.
   * @default false
   */
  readonly ws_enable: boolean;
  /**
   * WebSocket path, used when `ws_enable`; must start with `/`.
   * @default "/mqtt"
   */
  readonly ws_path: string;
  /**
   * Mongoose debug-log option, kept so documents load; this client does not use it.
   * @default false
   */
  readonly debug_use_log_level: boolean;
}

/** Mongoose's defaults for the `mqtt` section. */
export const MONGOOSE_MQTT_DEFAULTS: Readonly<MongooseServerConfig> = Object.freeze({
  enable: false,
  server: 'iot.eclipse.org:1883',
  client_id: '',
  user: '',
  pass: '',
  reconnect_timeout_min: 2,
  reconnect_timeout_max: 60,
  ssl_cert: '',
  ssl_key: '',
  ssl_ca_cert: '',
  ssl_cipher_suites: '',
  ssl_psk_identity: '',
  ssl_psk_key: '',
  ssl_server_name: '',
  clean_session: true,
  keep_alive: 60,
  will_topic: '',
  will_message: '',
  will_retain: false,
  max_qos: 2,
  recv_mbuf_limit: 3072,
  require_time: false,
  cloud_events: true,
  max_queue_length: 5,
  ws_enable: false,
  ws_path: '/mqtt',
  debug_use_log_level: false,
});

/**
 * Mongoose's defaults for the `mqtt1` (backup) section: the `mqtt` schema defaults with an empty
 * `server`. They are defaults only: `mqtt1` never inherits values set under `mqtt`.
 */
export const MONGOOSE_MQTT1_DEFAULTS: Readonly<MongooseServerConfig> = Object.freeze({
  ...MONGOOSE_MQTT_DEFAULTS,
  server: '',
});
