/**
 * The promise forms of subscribe and unsubscribe (`subscribeAsync` / `unsubscribeAsync`, as
 * MQTT.js names them), kept out of `client.ts`: a list of filters goes out in one SUBSCRIBE
 * through `MqttSession.subscribeMany` (spec R164), and every promise settles, at the latest when
 * the client stops (spec R166-R169).
 *
 * @module
 */
import { ClientClosedError, type MqttError, SubscribeError } from '../errors.js';
import {
  type MqttSession,
  type QoS,
  type SubscribeResult,
  SubscriptionCancelledError,
} from '../protocol/session.js';

/** One entry of a {@link SubscribeRequest}: a filter alone takes the call's `qos`. */
export type SubscribeEntry = string | { readonly filter: string; readonly qos?: QoS };

/** What `subscribeAsync` takes: one topic filter, or a list sent in one SUBSCRIBE. */
export type SubscribeRequest = SubscribeEntry | readonly SubscribeEntry[];

/** The broker's answer for one filter of a `subscribeAsync` call. */
export interface GrantedSubscription {
  /** The topic filter, as given. */
  readonly filter: string;
  /** The QoS the broker granted (it may be lower than the QoS asked for). */
  readonly qos: QoS;
}

/** One filter's outcome inside a {@link SubscribeRefusedError}: granted, or refused (`null`). */
export interface SubscribeOutcome {
  /** The topic filter, as given. */
  readonly filter: string;
  /** The QoS granted, or `null` where the broker answered 0x80 (failure). */
  readonly qos: QoS | null;
}

/**
 * The broker refused at least one filter of a `subscribeAsync` call (spec R167). Code
 * `SUBSCRIBE_FAILED`, and an instance of {@link SubscribeError} (whose `filter` is the first refused
 * one), so code catching single refusals keeps working. The refused filters are withdrawn; the
 * granted ones stay subscribed, as {@link SubscribeRefusedError.outcomes} says.
 */
export class SubscribeRefusedError extends SubscribeError {
  /** Every refused filter, in the order given. */
  readonly filters: readonly string[];
  /** One outcome per filter of the call, in the order given. */
  readonly outcomes: readonly SubscribeOutcome[];
  constructor(outcomes: readonly SubscribeOutcome[]) {
    const filters = outcomes.filter((o) => o.qos === null).map((o) => o.filter);
    super(filters[0] ?? '');
    this.name = 'SubscribeRefusedError';
    this.message = `the broker refused the subscription to ${filters.map((f) => JSON.stringify(f)).join(', ')}`;
    this.filters = filters;
    this.outcomes = outcomes;
  }
}

/**
 * The promises of one client still waiting for the broker. The client calls
 * {@link PendingRequests.stopped} when it stops, so none is left unsettled (spec R168).
 */
export class PendingRequests {
  readonly #rejects = new Set<(error: MqttError) => void>();

  readonly #session: MqttSession;

  constructor(session: MqttSession) {
    this.#session = session;
  }

  /** `subscribeAsync`: see `MqttClient.subscribeAsync`. */
  subscribe(request: SubscribeRequest, qos: QoS): Promise<GrantedSubscription[]> {
    const list = (Array.isArray(request) ? request : [request]) as SubscribeEntry[];
    const entries = list.map((e) =>
      typeof e === 'string' ? { filter: e, qos } : { filter: e.filter, qos: e.qos ?? qos },
    );
    return this.#track<GrantedSubscription[]>((resolve, reject) => {
      // Throws (bad filter or QoS) before anything is registered: the promise rejects with it.
      this.#session.subscribeMany(entries, (results) => {
        const outcomes = entries.map(({ filter }, i) => ({ filter, qos: grantedOf(results[i]) }));
        const closed = results.find(isClosed);
        if (closed !== undefined) return reject(closed.error);
        if (outcomes.every((o): o is GrantedSubscription => o.qos !== null)) return resolve(outcomes);
        // R167: a refused filter is withdrawn, so it is not asked for again on every reconnect.
        // A filter an `unsubscribe` already withdrew (SubscriptionCancelledError) is left alone.
        entries.forEach(({ filter }, i) => {
          const r = results[i];
          if (
            outcomes[i]?.qos === null &&
            !(r !== undefined && 'error' in r && r.error instanceof SubscriptionCancelledError)
          )
            this.#session.unsubscribe(filter);
        });
        reject(new SubscribeRefusedError(outcomes));
      });
    });
  }

  /** `unsubscribeAsync`: see `MqttClient.unsubscribeAsync`. */
  unsubscribe(filters: string | readonly string[]): Promise<void> {
    const list = typeof filters === 'string' ? [filters] : filters;
    return this.#track<void>((resolve, reject) => {
      let left = list.length;
      if (left === 0) return resolve();
      let failed: MqttError | undefined;
      const each = (error?: MqttError) => {
        failed ??= error;
        if (--left > 0) return;
        if (failed === undefined) resolve();
        else reject(failed);
      };
      for (const filter of list) this.#session.unsubscribe(filter, each);
    });
  }

  /** R168: the client stopped; every promise still waiting rejects with `ClientClosedError`. */
  stopped(): void {
    const rejects = [...this.#rejects];
    this.#rejects.clear();
    for (const reject of rejects)
      reject(new ClientClosedError('the client stopped before the broker answered'));
  }

  // A promise whose reject is held until it settles, so that `stopped` can end it.
  #track<T>(run: (resolve: (value: T) => void, reject: (error: MqttError) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const fail = (error: MqttError) => {
        this.#rejects.delete(fail);
        reject(error);
      };
      this.#rejects.add(fail);
      try {
        run((value) => {
          this.#rejects.delete(fail);
          resolve(value);
        }, fail);
      } catch (error) {
        fail(error as MqttError);
      }
    });
  }
}

function grantedOf(result: SubscribeResult | undefined): QoS | null {
  return result !== undefined && 'granted' in result ? result.granted : null;
}

function isClosed(result: SubscribeResult | undefined): result is { readonly error: ClientClosedError } {
  return result !== undefined && 'error' in result && result.error instanceof ClientClosedError;
}
