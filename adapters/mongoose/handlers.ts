/**
 * The handler side of the Mongoose facade: the registered topic, connection and cloud handlers,
 * and the routing of client events to them. Internal to {@link MongooseMqtt}; import the public
 * API from `./mongoose.js`.
 */
import type { ConnectOptions } from '../../protocol/connect.js';
import { TopicMatcher } from '../../protocol/topics.js';
import type { ClientEvent, Message } from '../../runtime/client.js';
import type { ConnectHook, ConnectHookContext } from '../../runtime/options.js';
import {
  type CloudEvent,
  type CloudEventType,
  type HandlerErrorReporter,
  type HandlerKind,
  MG_EV,
  type MgConnectContext,
  type MgEvent,
  type MgEventHandler,
  type MgMqttMessage,
} from './events.js';

/** One `globalSubscribe` registration. */
export interface TopicSubscription {
  /** The filter, exactly as given. */
  readonly topic: string;
  /** The handler. */
  readonly handler: MgEventHandler<unknown>;
  /** Its userdata. */
  readonly userdata: unknown;
  /** Removes the client-side subscription (set when there is a client). */
  remove?: () => void;
}

interface Listener {
  readonly handler: MgEventHandler<unknown>;
  readonly userdata: unknown;
}

const EMPTY = new Uint8Array(0);

/** The data of an event that carries only a packet id (and maybe a filter). */
function ackMessage(messageId: number, topic = ''): MgMqttMessage {
  return {
    messageId,
    topic,
    payload: EMPTY,
    qos: 0,
    retain: false,
    dup: false,
    connackRetCode: 0,
    sessionPresent: false,
    granted: true,
  };
}

/** The default of `onHandlerError`: log and go on. */
export const logHandlerError: HandlerErrorReporter = (error, kind) =>
  console.error(`mqtt-lifeline: a Mongoose ${kind} handler threw; the client goes on`, error);

/**
 * Holds the handlers and routes events to them. Every handler call is guarded: what one throws
 * goes to the reporter and the next handler still runs, so user code cannot break the client.
 */
export class MongooseHandlers {
  readonly #report: HandlerErrorReporter;
  readonly #globals: Listener[] = [];
  readonly #cloud = new Set<(event: CloudEvent) => void>();
  readonly #subs: TopicSubscription[] = [];
  readonly #matcher = new TopicMatcher<TopicSubscription>();

  /** @param report - Receives what a handler threw. */
  constructor(report: HandlerErrorReporter) {
    this.#report = report;
  }

  /**
   * Registers a topic handler (after the last one, so delivery is in registration order).
   * @throws {@link InvalidTopicError} for an invalid filter (nothing is registered).
   */
  addSubscription(sub: TopicSubscription): void {
    this.#matcher.add(sub.topic, sub);
    this.#subs.push(sub);
  }

  /** Removes and returns the latest registration with exactly this filter (Mongoose's head of list). */
  removeSubscription(topic: string): TopicSubscription | undefined {
    const i = this.#subs.findLastIndex((s) => s.topic === topic);
    const sub = this.#subs[i];
    if (sub === undefined) return undefined;
    this.#subs.splice(i, 1);
    this.#matcher.remove(topic, sub);
    return sub;
  }

  /** Adds a connection handler; returns its remover. */
  addGlobal(handler: MgEventHandler<unknown>, userdata: unknown): () => void {
    const listener: Listener = { handler, userdata };
    this.#globals.push(listener);
    return () => {
      const i = this.#globals.indexOf(listener);
      if (i >= 0) this.#globals.splice(i, 1);
    };
  }

  /** Adds a cloud event handler; returns its remover. */
  addCloud(handler: (event: CloudEvent) => void): () => void {
    this.#cloud.add(handler);
    return () => this.#cloud.delete(handler);
  }

  /**
   * Routes one client event.
   * @param cloudEvents - The active section's `cloud_events`: gates all cloud events but CONNECTING.
   */
  dispatch(event: ClientEvent, cloudEvents: boolean): void {
    switch (event.type) {
      case 'connecting':
        this.#cloudEvent('CLOUD_CONNECTING', event.server);
        break;
      case 'connect.error':
        // Mongoose raises it only when the TCP connect failed, not for refusals or closes.
        if (cloudEvents && event.error.code === 'TRANSPORT_ERROR')
          this.#cloudEvent('CLOUD_CONNECTERROR', event.server);
        break;
      case 'connected':
        if (cloudEvents) this.#cloudEvent('CLOUD_CONNECTED', event.server);
        this.#toGlobals(MG_EV.MQTT_CONNACK, { ...ackMessage(0), sessionPresent: event.sessionPresent });
        break;
      case 'disconnected':
        if (cloudEvents) this.#cloudEvent('CLOUD_DISCONNECTED', event.server);
        this.#toGlobals(MG_EV.CLOSE, undefined);
        break;
      case 'message':
        this.#onMessage(event);
        break;
      case 'suback': {
        const data = {
          ...ackMessage(event.packetId, event.filter),
          qos: event.granted ?? 0,
          granted: event.granted !== null,
        };
        this.#toSubscriptions(
          MG_EV.MQTT_SUBACK,
          data,
          this.#subs.filter((s) => s.topic === event.filter),
        );
        break;
      }
      case 'puback':
        this.#toGlobals(MG_EV.MQTT_PUBACK, ackMessage(event.packetId));
        break;
      case 'pubrec':
        this.#toGlobals(MG_EV.MQTT_PUBREC, ackMessage(event.packetId));
        break;
      case 'pubcomp':
        this.#toGlobals(MG_EV.MQTT_PUBCOMP, ackMessage(event.packetId));
        break;
      case 'unsuback':
        this.#toGlobals(MG_EV.MQTT_UNSUBACK, ackMessage(event.packetId, event.filter));
        break;
      default:
        break;
    }
  }

  #onMessage(message: Message): void {
    // The client's payload is a view into its receive buffer; handlers get a copy they may keep.
    const data: MgMqttMessage = {
      ...ackMessage(0, message.topic),
      payload: message.payload.slice(),
      qos: message.qos,
      retain: message.retain,
      dup: message.dup,
    };
    this.#toSubscriptions(MG_EV.MQTT_PUBLISH, data, this.#matcher.match(message.topic));
  }

  /** To every matching subscription (Mongoose since 2021), else to the connection handlers. */
  #toSubscriptions(ev: MgEvent, data: MgMqttMessage, subs: readonly TopicSubscription[]): void {
    if (subs.length === 0) this.#toGlobals(ev, data);
    for (const s of subs) this.#call('subscription', () => s.handler(ev, data, s.userdata));
  }

  #toGlobals(ev: MgEvent, data: MgMqttMessage | undefined): void {
    for (const g of [...this.#globals]) this.#call('global', () => g.handler(ev, data, g.userdata));
  }

  #cloudEvent(type: CloudEventType, server: string): void {
    const event: CloudEvent = { type, cloud: 'MQTT', server };
    for (const h of [...this.#cloud]) this.#call('cloud', () => h(event));
  }

  #call(kind: HandlerKind, run: () => void): void {
    try {
      run();
    } catch (error) {
      try {
        this.#report(error, kind);
      } catch (reportError) {
        logHandlerError(reportError, kind);
      }
    }
  }
}

/** The connect fn as the facade stores it: `fnArg` already bound. */
export type BoundConnectFn = (options: ConnectOptions, context: MgConnectContext) => unknown;

const isThenable = <T>(value: unknown): value is PromiseLike<T> =>
  typeof (value as PromiseLike<T> | null | undefined)?.then === 'function';

/**
 * The client's connect hook: `base` (the client options' own hook) first, then whatever connect
 * fn `current()` returns at that moment, so `setConnectFn` works after the client was built.
 * A connect fn returning undefined keeps the options.
 */
export function delegatingConnectHook(
  base: ConnectHook | undefined,
  current: () => BoundConnectFn | null,
): ConnectHook {
  const apply = (options: ConnectOptions, context: ConnectHookContext) => {
    const fn = current();
    if (fn === null) return options;
    const out = fn(options, { server: context.server, serverIndex: context.serverIndex });
    if (isThenable<ConnectOptions | undefined>(out)) return Promise.resolve(out).then((o) => o ?? options);
    return (out as ConnectOptions | undefined) ?? options;
  };
  return (context) => {
    if (base === undefined) return apply(context.options, context);
    const first = base(context);
    return isThenable<ConnectOptions>(first)
      ? Promise.resolve(first).then((o) => apply(o, context))
      : apply(first, context);
  };
}
