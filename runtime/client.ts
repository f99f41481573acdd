/**
 * The MQTT client: the statechart-driven lifecycle plus the MQTT session. Publishing and receiving
 * go from the session straight to the transport and back; the actor sees lifecycle events only.
 */
import type { Observable } from 'rxjs';
import { type MqttError, SubscribeError } from '../errors.js';
import type { LifecycleEvent } from '../machines/events.js';
import type { InboundPacket } from '../protocol/decoder.js';
import {
  MONGOOSE_SESSION_OPTIONS,
  MqttSession,
  type PublishCallback,
  type PublishResult,
  type QoS,
  type SessionEvent,
  type SessionOptions,
  type SubscriptionInfo,
} from '../protocol/session.js';
import { TopicMatcher } from '../protocol/topics.js';
import { events$ } from '../streams/events.js';
import { messages$, subscribe } from '../streams/messages.js';
import { state$ } from '../streams/state.js';
import { type ClientState, LifecycleClient, type LifecycleClientConfig } from './lifecycleClient.js';

/** A message received from the broker. `payload` is a view: copy it to keep it past the handler. */
export type Message = Extract<SessionEvent, { type: 'message' }>;

/** Every event of the client: lifecycle (from the statechart) and session (from the protocol). */
export type ClientEvent = LifecycleEvent | SessionEvent | ProtocolErrorEvent;

/** The connection was closed because the broker broke the protocol or sent an oversized packet. */
export interface ProtocolErrorEvent {
  readonly type: 'protocol.error';
  readonly code: string;
  readonly message: string;
}

/** Options of {@link MqttClient}. */
export interface MqttClientOptions extends LifecycleClientConfig {
  /** Queue, in-flight window and QoS limits. @default DEFAULT_SESSION_OPTIONS (MONGOOSE_SESSION_OPTIONS with the mongoose profile) */
  readonly session?: SessionOptions;
}

/** A consumer of the messages matching one topic filter. */
export interface TopicObserver {
  next(message: Message): void;
  error(error: MqttError): void;
}

interface FilterEntry {
  readonly observers: Set<TopicObserver>;
}

/**
 * An MQTT 3.1.1 client: `connect()`, then `publish` / `subscribe`. Reconnects, fails over and
 * resubscribes by itself (docs/spec.md); queues QoS >= 1 publishes while offline.
 */
export class MqttClient {
  /** The lifecycle part (statechart, transport, journal). */
  readonly lifecycle: LifecycleClient;
  /** The MQTT session (queues, acknowledgements, subscriptions). */
  readonly session: MqttSession;
  readonly #eventListeners = new Set<(event: ClientEvent) => void>();
  readonly #messageListeners = new Set<(message: Message) => void>();
  readonly #filters = new Map<string, FilterEntry>();
  readonly #matcher = new TopicMatcher<FilterEntry>();
  /** The coarse state: the current one at once, then every change. */
  readonly state$: Observable<ClientState> = state$(this);
  /** Every client event (lifecycle, session, protocol errors). */
  readonly events$: Observable<ClientEvent> = events$(this);
  /** Every received message. */
  readonly messages$: Observable<Message> = messages$(this);

  constructor(options: MqttClientOptions) {
    const lifecycle = new LifecycleClient(options);
    this.lifecycle = lifecycle;
    const mongoose = options.profile === 'mongoose';
    this.session = new MqttSession(
      {
        write: (bytes) => {
          this.lifecycle.write(bytes);
        },
        emit: (event) => this.#onSessionEvent(event),
        bufferedBytes: () => this.lifecycle.bufferedBytes,
        reserve: (size) => this.lifecycle.reserve(size),
        get outBuffer() {
          return lifecycle.outBuffer;
        },
      },
      { ...(mongoose ? MONGOOSE_SESSION_OPTIONS : {}), ...options.session },
    );
    this.lifecycle.attachSession({
      connected: (sessionPresent) => this.session.connected(sessionPresent),
      disconnected: () => this.session.disconnected(),
      handle: (packet: InboundPacket) => this.session.handle(packet),
    });
    this.lifecycle.onLifecycle((event) => this.#emit(event));
    this.lifecycle.onProtocolError((error) =>
      this.#emit({ type: 'protocol.error', code: error.code, message: error.message }),
    );
  }

  /** Starts connecting; a no-op while connecting or connected. */
  connect(): void {
    this.lifecycle.connect();
  }

  /** Stops: cancels every pending attempt and timer, sends DISCONNECT, resolves once closed. */
  disconnect(): Promise<void> {
    return this.lifecycle.disconnect();
  }

  /** Replaces the configuration and, if connecting or connected, reconnects with it (spec R26). */
  configure(config: Parameters<LifecycleClient['configure']>[0]): void {
    this.lifecycle.configure(config);
  }

  /** Replaces the connect hook (Mongoose `set_connect_fn`); it runs before every later CONNECT. */
  setConnectHook(hook: Parameters<LifecycleClient['setConnectHook']>[0]): void {
    this.lifecycle.setConnectHook(hook);
  }

  /** The coarse state. */
  get state(): ClientState {
    return this.lifecycle.state;
  }

  /** Whether the MQTT session is up. */
  isConnected(): boolean {
    return this.lifecycle.isConnected();
  }

  /**
   * Publishes and returns at once (the hot path, and Mongoose's `pub`): QoS 0 is written or
   * dropped, QoS >= 1 sent or queued. `done` is called once when the QoS flow completes or fails.
   */
  publishNow(
    topic: string,
    payload: Uint8Array | string,
    qos: QoS,
    retain: boolean,
    done?: PublishCallback,
  ): PublishResult {
    return this.session.publish(topic, payload, qos, retain, done);
  }

  /**
   * Publishes and settles when the message's QoS flow completes (QoS 0: written; 1: PUBACK;
   * 2: PUBCOMP), or rejects with a typed error (invalid topic, too large, dropped).
   */
  publish(
    topic: string,
    payload: Uint8Array | string,
    options: { qos?: QoS; retain?: boolean } = {},
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      this.session.publish(topic, payload, options.qos ?? 0, options.retain ?? false, (error) =>
        error === undefined ? resolve() : reject(error),
      );
    });
  }

  /**
   * Adds a consumer of the messages matching `filter`. The first consumer of a filter sends
   * SUBSCRIBE (and it is re-sent after every reconnect); removing the last sends UNSUBSCRIBE.
   * Returns the function that removes it. A SUBACK failure calls `observer.error`.
   */
  addTopicObserver(filter: string, qos: QoS, observer: TopicObserver): () => void {
    let entry = this.#filters.get(filter);
    if (entry === undefined) {
      const created: FilterEntry = { observers: new Set() };
      this.session.subscribe(filter, qos);
      this.#matcher.add(filter, created);
      this.#filters.set(filter, created);
      entry = created;
    }
    const target = entry;
    target.observers.add(observer);
    return () => {
      if (!target.observers.delete(observer) || target.observers.size > 0) return;
      if (this.#filters.get(filter) !== target) return;
      this.#filters.delete(filter);
      this.#matcher.remove(filter, target);
      this.session.unsubscribe(filter);
    };
  }

  /**
   * The messages matching `filter` (`+` / `#`): subscribing sends SUBSCRIBE (kept across
   * reconnects), the last unsubscribe sends UNSUBSCRIBE; a SUBACK failure errors it.
   * @param options.qos - Requested QoS. @default 0
   */
  subscribe(filter: string, options: { qos?: QoS } = {}): Observable<Message> {
    return subscribe(this, filter, options);
  }

  /** Calls `listener` with every message received (matched by a subscription or not). */
  onMessage(listener: (message: Message) => void): () => void {
    this.#messageListeners.add(listener);
    return () => this.#messageListeners.delete(listener);
  }

  /** Calls `listener` with every client event. */
  onEvent(listener: (event: ClientEvent) => void): () => void {
    this.#eventListeners.add(listener);
    return () => this.#eventListeners.delete(listener);
  }

  /** The subscriptions in registration order, with the QoS each was granted. */
  subscriptions(): SubscriptionInfo[] {
    return this.session.subscriptions();
  }

  /** Caps the QoS of later publishes and subscriptions (Mongoose `set_max_qos`); raising back works. */
  setMaxQos(qos: QoS): void {
    this.session.setMaxQos(qos);
  }

  /** Payload bytes queued or in flight plus what the transport still buffers (Mongoose `num_unsent_bytes`). */
  numUnsentBytes(): number {
    return this.session.numUnsentBytes();
  }

  #emit(event: ClientEvent): void {
    for (const listener of this.#eventListeners) listener(event);
  }

  #onSessionEvent(event: SessionEvent): void {
    switch (event.type) {
      case 'message': {
        if (this.#filters.size > 0) {
          for (const entry of this.#matcher.match(event.topic))
            for (const o of entry.observers) o.next(event);
        }
        for (const listener of this.#messageListeners) listener(event);
        break;
      }
      case 'suback':
        // Every refusal errors the filter's streams (a resubscription's after a reconnect too),
        // after listeners have seen the suback itself.
        if (this.#eventListeners.size > 0) this.#emit(event);
        if (event.granted === null) this.#refuse(event.filter);
        return;
      case 'replay.done':
        // Listeners hear replay.done before the statechart's `ready` that it causes.
        this.#emit(event);
        this.lifecycle.sessionDrained();
        return;
      default:
        break;
    }
    if (this.#eventListeners.size > 0) this.#emit(event);
  }

  #refuse(filter: string): void {
    const entry = this.#filters.get(filter);
    if (entry === undefined) return;
    const error = new SubscribeError(filter);
    for (const observer of [...entry.observers]) observer.error(error);
  }
}
