/**
 * The MQTT client: the statechart-driven lifecycle plus the MQTT session. Publishing and receiving
 * go from the session straight to the transport and back; the actor sees lifecycle events only.
 */

import { ClientClosedError, type StoreError } from '../errors.js';
import type {
  MqttSession,
  PublishCallback,
  PublishResult,
  QoS,
  SubscriptionInfo,
} from '../protocol/session.js';
import type { StoreFaultAction } from '../protocol/store.js';
import { events$ } from '../streams/events.js';
import { messages$, subscribe } from '../streams/messages.js';
import { type RequestSender, request$ } from '../streams/request.js';
import { type Observable, throwError } from '../streams/rx.js';
import { state$ } from '../streams/state.js';
import { CLIENT_OPTION_KEYS, type MqttClientOptions, sessionFor } from './clientOptions.js';
import { observeTopic, refuseTopic } from './clientTopics.js';
import type { ConnectCallOptions } from './connectWaiters.js';
import { callEach, listen } from './listenerErrors.js';
import { passOn, tableFor } from './optionKeys.js';
import type { OutboundProps } from './outboundProps.js';
import { profileRequester } from './profileRequester.js';
import type { RequestOptions } from './request.js';
import { type GrantedSubscription, PendingRequests, type SubscribeRequest } from './subscribeAsync.js';
import { TopicRoutes } from './topicRoutes.js';
import type {
  ClientEvent,
  ClientState,
  Message,
  PublishOptions,
  SubscribeOptions,
  TopicObserver,
} from './types.js';

export { CLIENT_OPTION_KEYS, type MqttClientOptions } from './clientOptions.js';
export type {
  ClientEvent,
  DrainEvent,
  ListenerErrorEvent,
  Message,
  ProtocolErrorEvent,
  PublishOptions,
  StoreFaultEvent,
  SubscribeOptions,
  TopicObserver,
} from './types.js';

// Imported after the others, so that the bundler emits the connection, the lifecycle client and
// the MQTT 5 hooks right before this class, whose code compresses against theirs: the default
// browser client's gzip is 61 bytes smaller than with these in alphabetical place.
import { CLIENT_EVENT } from './connection.js';
import { LifecycleClient } from './lifecycleClient.js';
import { adoptRestoredProps, hasV5Options, outboundPropsOf } from './outboundPropsHooks.js';

// Stand-in for a client's listener sets until their first entry: shared by every client and
// never written to, so an idle client holds no empty hash tables of its own.
const NO_LISTENERS: ReadonlySet<never> = new Set<never>();

/** `set` itself, or a new Set in place of the shared empty stand-in. */
function own<T>(set: ReadonlySet<T>): Set<T> {
  return set === NO_LISTENERS ? new Set<T>() : (set as Set<T>);
}

/**
 * An MQTT 3.1.1 client: `connect()`, then `publish` / `subscribe`. Reconnects, fails over and
 * resubscribes by itself (docs/spec.md); queues QoS >= 1 publishes while offline.
 */
export class MqttClient {
  // The lifecycle client and the session, under names the minifier shortens: most methods reach them.
  readonly #l: LifecycleClient;
  readonly #s: MqttSession;
  #eventListeners: ReadonlySet<(event: ClientEvent) => void> = NO_LISTENERS;
  #messageListeners: ReadonlySet<(message: Message) => void> = NO_LISTENERS;
  /** The consumers of `addTopicObserver`, made with the first (spec R332). */
  #routes: TopicRoutes | undefined;
  // The streams are built on first access: most clients never use some of them.
  #state$: Observable<ClientState> | undefined;
  #events$: Observable<ClientEvent> | undefined;
  #messages$: Observable<Message> | undefined;
  /** The promises of `subscribeAsync` / `unsubscribeAsync`, made with the first call. */
  #pending: PendingRequests | undefined;
  /** Set by `disconnect()` until its `stopped` event is delivered: keep the queue (R84). */
  #keepQueue = false;

  constructor(options: MqttClientOptions) {
    // The lifecycle client checks the keys, against this client's table (spec R338).
    if (typeof options === 'object' && options !== null)
      passOn(options, tableFor(options, CLIENT_OPTION_KEYS));
    const lifecycle = new LifecycleClient(options);
    this.#l = lifecycle;
    // Plain ports: the session writes to the connection, which writes to the transport; the
    // connection hands packets to the session and every event here, ahead of any listener.
    const connection = lifecycle.connection;
    const session = sessionFor(connection, options);
    this.#s = session;
    connection.session = session;
    adoptRestoredProps(connection, session);
    connection.events = this;
    options.session?.store?.onFault?.((error, action) => this.#storeFault(error, action));
  }

  /** The lifecycle part (statechart, transport, journal). */
  get lifecycle(): LifecycleClient {
    return this.#l;
  }

  /** The MQTT session (queues, acknowledgements, subscriptions). */
  get session(): MqttSession {
    return this.#s;
  }

  /** The coarse state: the current one at once, then every change. */
  get state$(): Observable<ClientState> {
    this.#state$ ??= state$(this);
    return this.#state$;
  }

  /** Every client event (lifecycle, session, protocol errors). */
  get events$(): Observable<ClientEvent> {
    this.#events$ ??= events$(this);
    return this.#events$;
  }

  /** Every received message. */
  get messages$(): Observable<Message> {
    this.#messages$ ??= messages$(this);
    return this.#messages$;
  }

  /**
   * Starts connecting; a no-op while connecting or connected. Returns a promise of the first
   * session up (spec R80): `await client.connect()` in a script, or ignore it on a device that
   * retries forever (it never becomes an unhandled rejection). It rejects only if the client stops
   * first: `ConnackError` for a refusal under `onRefused: 'stop'` (the default), the last attempt's
   * error when `options.attempts` runs out, `TimeoutError` after `options.timeoutMs`,
   * `ClientClosedError` on `disconnect()`.
   */
  connect(options?: ConnectCallOptions): Promise<void> {
    return this.#l.connect(options);
  }

  /**
   * Stops: cancels every pending attempt and timer, sends DISCONNECT, resolves once closed. What
   * is still pending settles (spec R84): unacknowledged QoS >= 1 publishes reject with
   * `ClientClosedError` (event `drop`, reason `closed`), unless the queue is kept: then they stay
   * queued for the next `connect()` (as Mongoose keeps its queue, and as a durable store is for),
   * until a later `disconnect({ keepQueue: false })`.
   * @param options.keepQueue - Keep unacknowledged QoS >= 1 publishes for the next connection.
   *   @default false (true when `session.store` is set)
   * @param options.sendWill - MQTT 5: DISCONNECT with reason code 0x04, so that the broker
   *   publishes the will (R239); rejects with `InvalidArgumentError` when no server speaks 5.
   *   @default false
   */
  disconnect(options: { keepQueue?: boolean; sendWill?: boolean } = {}): Promise<void> {
    if (options.sendWill === true) {
      // Checked first: a refused sendWill must change nothing (the queue setting included).
      const refused = this.#l.disconnectRefusal(options);
      if (refused !== undefined) return Promise.reject(refused);
    }
    const keepQueue = options.keepQueue ?? this.#s.durable;
    if (this.#l.state === 'stopped') {
      // No `stopped` event comes again, so what an earlier stop kept settles here.
      if (!keepQueue) this.#onStopped();
      this.#pending?.stopped(); // R168, whatever is kept
    } else this.#keepQueue = keepQueue; // read by the `stopped` event, which may come later
    return this.#l.disconnect(options); // which reads only `sendWill`
  }

  /**
   * Stops this client from keeping the Node process alive (as `net.Socket#unref`): neither its
   * socket nor its timers hold the event loop (spec R52). By default a client between `connect()`
   * and `disconnect()` keeps the process alive, also while it waits to retry (spec R50).
   * @returns this client.
   */
  unref(): this {
    this.#l.unref();
    return this;
  }

  /** Undoes {@link MqttClient.unref}: the client keeps the process alive again (the default). */
  ref(): this {
    this.#l.ref();
    return this;
  }

  /** Replaces the configuration and, if connecting or connected, reconnects with it (spec R26). */
  configure(config: Parameters<LifecycleClient['configure']>[0]): void {
    this.#l.configure(config);
  }

  /** The connect hook in use (from the options or the last `setConnectHook`), if any. */
  get connectHook(): LifecycleClient['connectHook'] {
    return this.#l.connectHook;
  }

  /** Replaces the connect hook (Mongoose `set_connect_fn`); it runs before every later CONNECT. */
  setConnectHook(hook: Parameters<LifecycleClient['setConnectHook']>[0]): void {
    this.#l.setConnectHook(hook);
  }

  /** The coarse state. */
  get state(): ClientState {
    return this.#l.state;
  }

  /**
   * Re-authenticates the connected MQTT 5 session with the `auth` method (spec R313-R315),
   * keeping the session and its in-flight messages. See `LifecycleClient.reauthenticate`.
   */
  reauthenticate(): Promise<void> {
    return this.#l.reauthenticate();
  }

  /** Whether the MQTT session is up. */
  isConnected(): boolean {
    return this.#l.isConnected();
  }

  /**
   * Publishes and returns at once (the hot path, and Mongoose's `pub`): QoS 0 is written or
   * dropped, QoS >= 1 sent or queued. `done` is called once when the QoS flow completes or fails.
   * The result's `writable` is false once the transport is at its high-water mark: like a Node
   * stream's `write()`, wait for {@link MqttClient.whenWritable} (or `drain`) before going on.
   */
  publishNow(
    topic: string,
    payload: Uint8Array | string,
    qos: QoS,
    retain: boolean,
    done?: PublishCallback,
  ): PublishResult {
    return this.#s.publish(topic, payload, qos, retain, done);
  }

  /**
   * Publishes and settles when the message's QoS flow completes (QoS 0: its bytes handed to the
   * operating system; 1: PUBACK; 2: PUBCOMP), or rejects with a typed error (invalid topic, too
   * large, dropped, or the connection closed before a QoS 0 message was written). Awaiting each
   * publish therefore never buffers more than the socket holds (spec R54). MQTT 5 properties go in
   * `options.properties` (spec R290); on MQTT 3.1.1 they are an `InvalidArgumentError`.
   */
  publish(topic: string, payload: Uint8Array | string, options: PublishOptions = {}): Promise<void> {
    return new Promise((resolve, reject) => {
      const done: PublishCallback = (error) => (error === undefined ? resolve() : reject(error));
      const qos = options.qos ?? 0;
      const retain = options.retain ?? false;
      if (options.properties === undefined) this.#s.publish(topic, payload, qos, retain, done);
      // MQTT 5 properties (spec R290-R292): kept beside the session, added on the way out.
      else this.#props().publish(topic, payload, qos, retain, options.properties, done);
    });
  }

  /**
   * True while the transport holds its high-water mark or more of unsent bytes (Node's
   * `writableNeedDrain`): publishing more only grows the buffer (spec R55).
   */
  get needsDrain(): boolean {
    return this.#l.needsDrain;
  }

  /**
   * Resolves once the transport is below its high-water mark: at once when it is, else on the
   * next `drain` event or when the connection closes (spec R55).
   */
  whenWritable(): Promise<void> {
    return this.#l.whenWritable();
  }

  /**
   * Adds a consumer of the messages matching `filter`. The first consumer of a filter sends
   * SUBSCRIBE (and it is re-sent after every reconnect); removing the last sends UNSUBSCRIBE.
   * Returns the function that removes it. A SUBACK failure calls `observer.error`.
   */
  addTopicObserver(filter: string, qos: QoS, observer: TopicObserver): () => void {
    // What an observer throws is reported and reaches no other (R63).
    this.#routes ??= new TopicRoutes((thrown) => this.#l.reportListenerError('topicObserver', thrown));
    return observeTopic(this.#routes, this.#s, filter, qos, observer);
  }

  /**
   * The messages matching `filter` (`+` / `#`): subscribing sends SUBSCRIBE (kept across
   * reconnects), the last unsubscribe sends UNSUBSCRIBE; a SUBACK failure errors it.
   * @param options.qos - Requested QoS. @default 0
   */
  subscribe(filter: string, options: SubscribeOptions = {}): Observable<Message> {
    // MQTT 5 options (spec R295): recorded before the SUBSCRIBE goes; a bad one errors the stream.
    if (hasV5Options(options)) {
      try {
        this.#props().subscription(filter, options);
      } catch (error) {
        return throwError(() => error);
      }
    }
    return subscribe(this, filter, options);
  }

  /**
   * Subscribes and resolves with the QoS the broker granted per filter, in the order given
   * (spec R166). A list goes out in one SUBSCRIBE (spec R164); offline, the filters go out when the
   * client connects. Messages arrive through `onMessage` / `messages$`, and the filters are kept
   * across reconnects until `unsubscribeAsync`.
   *
   * Unlike MQTT.js, which resolves with QoS 128 among the grants, a refusal of any filter rejects
   * with {@link SubscribeRefusedError} naming the refused filters and carrying every outcome:
   * `await` then means "subscribed to all of it", and a refusal cannot pass unnoticed (spec R167).
   * If the client stops first the promise rejects with `ClientClosedError` (spec R168). A bad
   * filter or QoS rejects with `InvalidTopicError` / `InvalidArgumentError` and registers nothing.
   * @param request - A filter, or a list of filters or `{ filter, qos }` entries.
   * @param options.qos - The QoS for the entries that name none. @default 0
   * @example
   * const granted = await client.subscribeAsync(['a/#', { filter: 'b/+', qos: 1 }]);
   */
  subscribeAsync(request: SubscribeRequest, options: SubscribeOptions = {}): Promise<GrantedSubscription[]> {
    if (hasV5Options(options)) {
      // MQTT 5 options (spec R295) apply to every filter of the call.
      try {
        this.#props().subscription(request, options);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#requests().subscribe(request, options.qos ?? 0);
  }

  /**
   * Unsubscribes from one filter or several (one UNSUBSCRIBE each) and resolves once the broker
   * acknowledged them all; offline, when they are sent on the next connection (spec R169). It
   * rejects with `ClientClosedError` if the client stops first (spec R168), and with an
   * `UnsubscribeError` when an MQTT 5 broker refuses one (UNSUBACK 0x80 or above, R245). It removes the
   * filter whoever subscribed it: an Observable of it (`subscribe`) is not completed, but no
   * longer subscribed.
   * @param filters - A topic filter or a list of them.
   */
  unsubscribeAsync(filters: string | readonly string[]): Promise<void> {
    return this.#requests().unsubscribe(filters);
  }

  /**
   * Sends an MQTT 5 request and resolves with its response (spec R297-R299): the request carries
   * this client's response topic (subscribed on first use) and a fresh Correlation Data, and the
   * first message there with that Correlation Data is the response. Rejects with the publish's
   * error, `TimeoutError` after `options.timeoutMs` (default 30000) of the client's clock, or
   * `ClientClosedError` when the client stops first. It needs the MQTT 5 profile (R350): the Node
   * entry has it built in; the browser client takes it as `mqtt5` from `mqtt-lifeline/browser/mqtt5`,
   * and without it the promise rejects with `InvalidArgumentError` and nothing is sent.
   * @example
   * const reply = await client.request('svc/time', 'now?', { timeoutMs: 5000 });
   */
  request(topic: string, payload: Uint8Array | string, options: RequestOptions = {}): Promise<Message> {
    return new Promise((resolve, reject) => {
      this.#requester().send(topic, payload, options, (outcome) =>
        'response' in outcome ? resolve(outcome.response) : reject(outcome.error),
      );
    });
  }

  /**
   * {@link MqttClient.request} as a cold Observable: one request per subscription (spec R297);
   * without the MQTT 5 profile it errors with `InvalidArgumentError` (R350).
   */
  request$(topic: string, payload: Uint8Array | string, options: RequestOptions = {}): Observable<Message> {
    let requester: RequestSender<RequestOptions>;
    try {
      requester = this.#requester();
    } catch (error) {
      return throwError(() => error);
    }
    return request$(requester, topic, payload, options);
  }

  /** Calls `listener` with every message received (matched by a subscription or not). */
  onMessage(listener: (message: Message) => void): () => void {
    const listeners = own(this.#messageListeners);
    this.#messageListeners = listeners;
    return listen(listeners, listener);
  }

  /** Calls `listener` with every client event. */
  onEvent(listener: (event: ClientEvent) => void): () => void {
    const listeners = own(this.#eventListeners);
    this.#eventListeners = listeners;
    return listen(listeners, listener);
  }

  /** The subscriptions in registration order, with the QoS each was granted. */
  subscriptions(): SubscriptionInfo[] {
    return this.#s.subscriptions();
  }

  /** Caps the QoS of later publishes and subscriptions (Mongoose `set_max_qos`); raising back works. */
  setMaxQos(qos: QoS): void {
    this.#s.setMaxQos(qos);
  }

  /** Payload bytes queued or in flight plus what the transport still buffers (Mongoose `num_unsent_bytes`). */
  numUnsentBytes(): number {
    return this.#s.numUnsentBytes();
  }

  #props(): OutboundProps {
    return outboundPropsOf(this.#l.connection, this.#s);
  }

  /** The requester of `request()`, from the MQTT 5 profile (R297, R350); throws without it. */
  #requester(): RequestSender<RequestOptions> {
    return profileRequester(this.#l.connection.config.mqtt5, this);
  }

  #requests(): PendingRequests {
    this.#pending ??= new PendingRequests(this.#s);
    return this.#pending;
  }

  // Every call into user code is guarded (R63): a throw is reported and never reaches the receive path.
  #emit(event: ClientEvent): void {
    callEach(this.#eventListeners, event, 'event', this.#l);
  }

  /** @internal The connection's event port: every event, ahead of any listener. */
  [CLIENT_EVENT](event: ClientEvent): void {
    switch (event.type) {
      case 'message': {
        const routes = this.#routes;
        if (routes !== undefined && routes.size > 0) routes.deliver(event);
        callEach(this.#messageListeners, event, 'message', this.#l);
        break;
      }
      case 'suback':
        // Every refusal errors the filter's streams (a resubscription's after a reconnect too),
        // after listeners have seen the suback itself.
        if (this.#eventListeners.size > 0) this.#emit(event);
        if (event.granted === null) refuseTopic(this.#routes, event.filter, event.reasonCode, event.reason);
        return;
      case 'stopped':
        // Listeners hear `stopped` after the drops of what it settled (R84).
        this.#onStopped();
        this.#pending?.stopped(); // R168: also when the queue is kept
        break;
      case 'replay.done':
        // Listeners hear replay.done before the statechart's `ready` that it causes.
        this.#emit(event);
        this.#l.sessionDrained();
        return;
      default:
        break;
    }
    if (this.#eventListeners.size > 0) this.#emit(event);
  }

  /**
   * R203: the store failed (or was written again, R206). Said as an event; under `stop` the client
   * stops after the current step (the store may have failed inside one), keeping its queue: what
   * was accepted before the fault is in the store for the next process.
   */
  #storeFault(error: StoreError, action: StoreFaultAction): void {
    const { code, fault, path, message } = error;
    this.#l.connection.emit({ type: 'store.fault', code, fault, path, message, action });
    if (action === 'stop') queueMicrotask(() => void this.disconnect());
  }

  // R84: when the client stops, what still waits on the session settles (see `disconnect`).
  #onStopped(): void {
    const keep = this.#keepQueue;
    this.#keepQueue = false;
    if (keep) return;
    this.#s.abandon(() => new ClientClosedError('the client stopped before it was acknowledged'));
  }
}
