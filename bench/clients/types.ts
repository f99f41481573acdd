/**
 * The one small interface both benchmarked clients are driven through, so every scenario is
 * written once and both libraries pay the same harness overhead.
 */

/** Which library a measurement uses. */
export type ClientKind = 'lifeline' | 'mqttjs';

/** Every client the harness knows, in the order results list them. */
export const CLIENT_KINDS: readonly ClientKind[] = ['lifeline', 'mqttjs'];

/** An MQTT quality-of-service level. */
export type QoS = 0 | 1 | 2;

/** Called once when a publish's QoS flow completes (QoS 0: written), or with the error that ended it. */
export type Done = (error?: Error) => void;

/** What a scenario may configure; everything else stays at each library's defaults. */
export interface ClientOptions {
  /** The broker's loopback port. */
  readonly port: number;
  /**
   * Fixed delay before each reconnect attempt, in ms (no jitter, no growth).
   * @default each library's default schedule
   */
  readonly retryMs?: number;
  /**
   * QoS >= 1 publishes the client may keep unacknowledged on the wire. Only mqtt-lifeline has such
   * a window (1000 by default, 20 for QoS 2); MQTT.js sends everything at once, so it ignores this.
   * @default each library's default
   */
  readonly maxInflight?: number;
  /**
   * mqtt-lifeline's session store (the store scenarios); MQTT.js ignores it.
   * @default none (the in-memory session)
   */
  readonly store?: import('../../protocol/store.js').SessionStore;
  /**
   * The MQTT version both libraries speak: 4 (3.1.1) or 5.
   * @default 4
   */
  readonly protocolVersion?: 4 | 5;
}

/** A connected (or connecting) client, reduced to what the scenarios need. */
export interface BenchClient {
  /** Resolves on the first CONNACK. */
  readonly ready: Promise<void>;
  /** Publishes without waiting; `done` follows the library's own completion callback. */
  publish(topic: string, payload: Buffer, qos: QoS, done?: Done): void;
  /** Subscribes; resolves on a successful SUBACK. The library re-subscribes after reconnects itself. */
  subscribe(filter: string, qos: QoS): Promise<void>;
  /** Subscribes a list in one call (one SUBSCRIBE as far as the library batches); resolves when every filter is granted. */
  subscribeMany(filters: readonly string[], qos: QoS): Promise<void>;
  /**
   * mqtt-lifeline only (MQTT.js has no per-filter routing): one consumer per filter through the
   * client's topic trie (`addTopicObserver`, what `client.subscribe(filter)` streams use), each
   * sending its own SUBSCRIBE; resolves when every filter is granted. `handler` gets the index of
   * the filter a message was routed to.
   */
  route?(filters: readonly string[], qos: QoS, handler: (index: number) => void): Promise<void>;
  /** Calls `handler` for every message received; `payload` is only valid during the call. */
  onMessage(handler: (topic: string, payload: Uint8Array) => void): void;
  /** Bytes accepted by the socket but not yet handed to the operating system. */
  bufferedBytes(): number;
  /** Whether the MQTT session is up now. */
  connected(): boolean;
  /** Resolves when the current connection is lost. */
  nextDisconnect(): Promise<void>;
  /** Disconnects (DISCONNECT, then close) and resolves once the socket is closed. */
  end(): Promise<void>;
}

/** Creates a client that starts connecting at once. */
export type CreateClient = (options: ClientOptions) => BenchClient;

/** The loopback address every benchmark connection uses. */
export const HOST = '127.0.0.1';

/** Loads the adapter of `kind` (dynamically, so a worker process only loads the library it measures). */
export async function loadClient(kind: ClientKind): Promise<CreateClient> {
  const adapter = kind === 'lifeline' ? await import('./lifeline.js') : await import('./mqttjs.js');
  return adapter.createClient;
}
