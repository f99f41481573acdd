/**
 * MQTT 5 request / response (spec R297-R299): a request is a publish carrying a Response Topic and
 * Correlation Data; the response is the first message on that topic carrying the same Correlation
 * Data. Each client has one response topic, subscribed once, and matches responses to requests by
 * their Correlation Data. A request settles exactly once: with the response, with a typed error
 * (the publish failed, `TimeoutError` on the client's clock, `ClientClosedError` when the client
 * stops), or not at all when it was cancelled.
 *
 * @module
 */
import { ClientClosedError, InvalidArgumentError, type MqttError, TimeoutError } from '../errors.js';
import type { QoS } from '../protocol/encode.js';
import type { MessageProperties } from '../protocol/v5/messageProps.js';
import type { RuntimeClock } from './ports.js';
import type { ClientEvent, Message, PublishOptions, SubscribeOptions } from './types.js';

/** Options of a request (R297). */
export interface RequestOptions {
  /** The QoS of the request, and of the response topic's subscription. @default 1 */
  readonly qos?: QoS;
  /** How long to wait for the response, in ms of the client's clock. @default 30000 */
  readonly timeoutMs?: number;
  /** Further properties of the request (its Response Topic and Correlation Data are the client's). @default none */
  readonly properties?: Omit<MessageProperties, 'responseTopic' | 'correlationData'>;
}

/** What a request needs of the client. */
export interface RequestClient {
  publish(topic: string, payload: Uint8Array | string, options?: PublishOptions): Promise<void>;
  subscribeAsync(filter: string, options?: SubscribeOptions): Promise<unknown>;
  onMessage(listener: (message: Message) => void): () => void;
  onEvent(listener: (event: ClientEvent) => void): () => void;
  /** The client's clock and random source (its connection's). */
  readonly lifecycle: {
    readonly connection: {
      readonly clock: RuntimeClock;
      readonly random: () => number;
      readonly clientIds: readonly string[];
    };
  };
}

/** How a request ends: the response, or the error. */
export type RequestOutcome = { readonly response: Message } | { readonly error: MqttError };

interface Pending {
  readonly done: (outcome: RequestOutcome) => void;
  readonly timer: unknown;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * The requests of one client (R297-R299): its response topic and the requests awaiting a
 * response, by Correlation Data.
 */
export class Requester {
  /** The topic this client's responses come to (R298). */
  readonly responseTopic: string;
  readonly #pending = new Map<string, Pending>();
  readonly #prefix: string;
  #next = 0;
  #subscribed: Promise<unknown> | undefined;
  #qos: QoS = 0;

  constructor(private readonly client: RequestClient) {
    const { random, clientIds } = client.lifecycle.connection;
    const token = Math.floor(random() * 0x1_0000_0000)
      .toString(16)
      .padStart(8, '0');
    const id = clientIds.find((c) => c !== '' && !/[+#/]/.test(c));
    // R298: unique per client: its client id when it has one, and a random token either way.
    this.responseTopic = `mqtt-lifeline/response/${id === undefined ? token : `${id}/${token}`}`;
    this.#prefix = token;
    client.onMessage((m) => this.#onMessage(m));
    client.onEvent((e) => {
      // R299: no request is left waiting when the client stops.
      if (e.type === 'stopped')
        this.#failAll(() => new ClientClosedError('the client stopped before the response came'));
    });
  }

  /** Requests waiting for a response. */
  get size(): number {
    return this.#pending.size;
  }

  /**
   * Sends a request; `done` gets its outcome once, unless the returned function cancels it first.
   * @returns Cancels the request (its response, if it comes, is ignored).
   * @throws {@link InvalidArgumentError} for a `timeoutMs` that is not a finite number >= 0.
   */
  send(
    topic: string,
    payload: Uint8Array | string,
    options: RequestOptions,
    done: (outcome: RequestOutcome) => void,
  ): () => void {
    const key = `${this.#prefix}-${(this.#next++).toString(36)}`;
    const clock = this.client.lifecycle.connection.clock;
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
      throw new InvalidArgumentError(`timeoutMs must be a finite number >= 0, got ${timeoutMs}`);
    }
    const timer = clock.setTimeout(() => {
      this.#settle(key, {
        error: new TimeoutError(
          'WAIT_TIMEOUT',
          `no response to the request on ${JSON.stringify(topic)} within ${timeoutMs} ms`,
        ),
      });
    }, timeoutMs);
    this.#pending.set(key, { done, timer });
    const qos = options.qos ?? 1;
    void this.#subscribe(qos)
      .then(() => {
        if (!this.#pending.has(key)) return undefined;
        return this.client.publish(topic, payload, {
          qos,
          properties: { ...options.properties, responseTopic: this.responseTopic, correlationData: key },
        });
      })
      .catch((error: MqttError) => this.#settle(key, { error }));
    return () => {
      const p = this.#pending.get(key);
      if (p === undefined) return;
      this.#pending.delete(key);
      clock.clearTimeout(p.timer);
    };
  }

  /** Subscribes the response topic once, at the highest QoS asked so far. */
  #subscribe(qos: QoS): Promise<unknown> {
    if (this.#subscribed === undefined || qos > this.#qos) {
      this.#qos = qos;
      const subscribing = this.client.subscribeAsync(this.responseTopic, { qos });
      // A failed subscription is tried again by the next request.
      subscribing.catch(() => {
        if (this.#subscribed === subscribing) this.#subscribed = undefined;
      });
      this.#subscribed = subscribing;
    }
    return this.#subscribed;
  }

  #onMessage(m: Message): void {
    if (m.topic !== this.responseTopic) return;
    const data = m.properties?.correlationData;
    if (data === undefined) return;
    this.#settle(new TextDecoder().decode(data), { response: m });
  }

  #settle(key: string, outcome: RequestOutcome): void {
    const p = this.#pending.get(key);
    if (p === undefined) return;
    this.#pending.delete(key);
    this.client.lifecycle.connection.clock.clearTimeout(p.timer);
    p.done(outcome);
  }

  #failAll(error: () => MqttError): void {
    for (const key of [...this.#pending.keys()]) this.#settle(key, { error: error() });
  }
}

const requesters = new WeakMap<RequestClient, Requester>();

/**
 * The client's {@link Requester}, made on first use.
 * @param client - The client.
 */
export function requesterOf(client: RequestClient): Requester {
  let r = requesters.get(client);
  if (r === undefined) {
    r = new Requester(client);
    requesters.set(client, r);
  }
  return r;
}

/**
 * Sends an MQTT 5 request and resolves with the response (R297): the first message on the
 * client's response topic with the request's Correlation Data. Rejects with the publish's error,
 * a `TimeoutError` (`WAIT_TIMEOUT`) after `options.timeoutMs` of the client's clock, or
 * `ClientClosedError` when the client stops first (R299).
 * @example
 * const reply = await request(client, 'svc/time', 'now?', { timeoutMs: 5000 });
 */
export function request(
  client: RequestClient,
  topic: string,
  payload: Uint8Array | string,
  options: RequestOptions = {},
): Promise<Message> {
  return new Promise((resolve, reject) => {
    requesterOf(client).send(topic, payload, options, (outcome) =>
      'response' in outcome ? resolve(outcome.response) : reject(outcome.error),
    );
  });
}
