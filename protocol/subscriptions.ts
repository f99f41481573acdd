/**
 * The subscription half of the session: the registered filters in registration order, the
 * SUBSCRIBE/UNSUBSCRIBE requests awaiting their acks, and the re-subscription on every connect.
 */
import type { ClientClosedError } from '../errors.js';
import type { QoS } from './encode.js';
import { encodeSubscribeList, encodeUnsubscribe } from './encodeSubscribe.js';
import type { PacketIdAllocator } from './packetIds.js';
import {
  type SessionIO,
  type SubscribeCallback,
  type SubscriptionInfo,
  settle,
  type UnsubscribeCallback,
} from './sessionTypes.js';
import { type SubscribeGroup, sendInGroups } from './subscribeBatch.js';
import { joinWaiters, type SubscribeBatch, settleWaiters, type Waiters } from './subscribeWaiters.js';
import { grantOf, subackOutcome, unsubackOutcome } from './subscriptionAcks.js';
import { SubscriptionCancelledError } from './subscriptionCancelled.js';
import { grantedOf, type Packed, packed, qosOf, type Request } from './subscriptionRecords.js';

export { SUBSCRIBE_BATCH_BYTES } from './subscribeBatch.js';

/**
 * Subscription bookkeeping. Decisions:
 * - A `subscribe` while connected sends one SUBSCRIBE for its filter; a list subscribed at once,
 *   and the re-subscription on connect, go in SUBSCRIBEs of up to `maxFiltersPerSubscribe`
 *   filters and {@link SUBSCRIBE_BATCH_BYTES} bytes (spec R163-R165). A SUBACK has one return code
 *   per filter, in order, so each filter still gets its own outcome.
 * - Every registered filter is re-subscribed on every connection, whatever the session-present
 *   flag (Mongoose; robust against brokers that lose sessions), in registration order.
 * - A refused filter (SUBACK 0x80) stays registered and is tried again on the next connection;
 *   `unsubscribe` removes it.
 * - An `unsubscribe` made offline is sent on the next connection if the broker kept the session
 *   (Mongoose forgets it, leaving the broker subscribed), before the re-subscriptions so that a
 *   later `subscribe` of the same filter wins.
 */
export class SubscriptionRegistry {
  // The tables are made on first use and the transient ones dropped when empty: many sessions
  // subscribe to nothing, and an idle one has no request in flight.
  #registrations: Map<string, Packed> | undefined;
  /** Callbacks of `subscribe` calls whose SUBSCRIBE has not been sent yet, by filter. */
  #waiting: Map<string, Waiters> | undefined;
  #requests: Map<number, Request> | undefined;
  #unsent: Map<string, UnsubscribeCallback[]> | undefined;
  #connected = false;
  readonly #ids: PacketIdAllocator;
  readonly #io: SessionIO;
  readonly #session: { readonly maxQos: QoS };
  readonly #batch: number;

  /**
   * @param ids - The packet-id allocator shared with PUBLISH.
   * @param io - Where packets and events go.
   * @param session - Where the session's current maximum QoS is read (`maxQos`).
   * @param batch - The most filters in one SUBSCRIBE (`maxFiltersPerSubscribe`).
   */
  constructor(ids: PacketIdAllocator, io: SessionIO, session: { readonly maxQos: QoS }, batch: number) {
    this.#ids = ids;
    this.#io = io;
    this.#session = session;
    this.#batch = batch;
  }

  /**
   * Registers (or updates, keeping its position) a filter and sends SUBSCRIBE when connected.
   * @param filter - A valid topic filter.
   * @param qos - The requested QoS.
   * @param done - Called with the SUBACK's outcome.
   */
  subscribe(filter: string, qos: QoS, done: SubscribeCallback | undefined): void {
    this.#register(filter, qos, done);
    if (this.#connected) this.#sendSubscribes([filter].values());
  }

  /**
   * Registers (or updates) several filters and, when connected, sends them in as few SUBSCRIBEs
   * as the batch limits allow (spec R164), each filter once, in list order.
   * @param list - Valid topic filters with their requested QoS.
   * @param batch - The list's outcomes, made from `list`: it waits once for each distinct filter
   *   (no callback per entry, spec R333).
   */
  subscribeAll(list: readonly { readonly filter: string; readonly qos: QoS }[], batch: SubscribeBatch): void {
    for (const { filter, qos } of list) this.#register(filter, qos, undefined);
    // Connected, the batch goes straight into the SUBSCRIBEs' waiters: no table round trip.
    if (this.#connected) this.#sendSubscribes(batch.first.keys(), batch);
    else for (const filter of batch.first.keys()) this.#wait(filter, batch, false);
  }

  #register(filter: string, qos: QoS, done: SubscribeCallback | undefined): void {
    this.#registrations ??= new Map();
    const old = this.#registrations.get(filter);
    // Setting a key already held keeps its position: an update keeps the registration order.
    this.#registrations.set(filter, old === undefined ? packed(qos, undefined) : (old & ~3) | qos);
    if (done !== undefined) this.#wait(filter, done, false);
  }

  /** Adds waiters to those of `filter`'s next SUBSCRIBE, ahead of the others when `first`. */
  #wait(filter: string, waiters: Waiters, first: boolean): void {
    this.#waiting ??= new Map();
    const held = this.#waiting.get(filter);
    const joined = joinWaiters(held, waiters, first);
    if (joined !== held) this.#waiting.set(filter, joined);
  }

  /** Takes the waiters of `filter`'s next SUBSCRIBE. */
  #takeWaiters(filter: string): Waiters | undefined {
    const waiting = this.#waiting;
    const waiters = waiting?.get(filter);
    if (waiting !== undefined && waiters !== undefined) {
      waiting.delete(filter);
      if (waiting.size === 0) this.#waiting = undefined;
    }
    return waiters;
  }

  /**
   * Removes a filter locally and sends UNSUBSCRIBE (now, or on the next connection).
   * @param filter - A valid topic filter (it need not be registered: the broker may know it).
   * @param done - Called on UNSUBACK.
   */
  unsubscribe(filter: string, done: UnsubscribeCallback | undefined): void {
    if (this.#registrations?.delete(filter) === true) {
      const waiters = this.#takeWaiters(filter);
      if (waiters !== undefined) this.#cancel(filter, waiters);
    }
    const waiters = done === undefined ? [] : [done];
    if (this.#connected && this.#sendUnsubscribe(filter, waiters)) return;
    this.#unsent ??= new Map();
    const unsent = this.#unsent;
    unsent.set(filter, (unsent.get(filter) ?? []).concat(waiters));
  }

  /**
   * The registered subscriptions, in registration order.
   * @returns A new array.
   */
  list(): SubscriptionInfo[] {
    const out: SubscriptionInfo[] = [];
    for (const [filter, p] of this.#registrations ?? []) {
      const granted = grantedOf(p);
      out.push(granted === undefined ? { filter, qos: qosOf(p) } : { filter, qos: qosOf(p), granted });
    }
    return out;
  }

  /**
   * After CONNACK (and the PUBRELs): sends the offline UNSUBSCRIBEs, then re-subscribes everything.
   * @param sessionPresent - Without a session the broker has no subscription to remove, so the
   *   offline unsubscribes simply succeed.
   */
  onConnected(sessionPresent: boolean): void {
    this.#connected = true;
    const unsent = this.#unsent;
    this.#unsent = undefined;
    for (const [filter, waiters] of unsent ?? []) {
      if (!sessionPresent) for (const w of waiters) settle(w, undefined, this.#io);
      else if (!this.#sendUnsubscribe(filter, waiters)) {
        this.#unsent ??= new Map();
        this.#unsent.set(filter, waiters);
      }
    }
    if (this.#registrations !== undefined) this.#sendSubscribes(this.#registrations.keys());
  }

  /** The socket is gone: unacknowledged requests are sent again on the next connection. */
  onDisconnected(): void {
    this.#connected = false;
    const requests = this.#requests;
    if (requests === undefined) return;
    this.#requests = undefined;
    for (const id of requests.keys()) this.#ids.release(id);
    for (const req of requests.values()) {
      if (req.kind === 'unsubscribe') {
        this.#unsent ??= new Map();
        const unsent = this.#unsent;
        unsent.set(req.filter, req.waiters.concat(unsent.get(req.filter) ?? []));
        continue;
      }
      const { filters } = req;
      for (let i = 0; i < filters.length; i++) {
        const filter = filters[i] as string;
        const waiters = req.waiters[i];
        if (waiters === undefined) continue;
        if (this.#registrations?.has(filter) !== true) this.#cancel(filter, waiters);
        else this.#wait(filter, waiters, true);
      }
    }
  }

  /**
   * Handles a SUBACK: one return code per filter of its SUBSCRIBE, in order; a filter without a
   * code counts as refused. Unknown ids are ignored.
   * @param id - The packet id.
   * @param granted - The SUBACK's return codes.
   */
  onSuback(id: number, granted: readonly number[]): void {
    const req = this.#requests?.get(id);
    if (req?.kind !== 'subscribe') return;
    this.#forget(id);
    const { filters } = req;
    for (let i = 0; i < filters.length; i++) {
      const filter = filters[i] as string;
      const code = granted[i];
      const p = this.#registrations?.get(filter);
      // The grant is recorded before the event, so a listener's list() shows it.
      if (p !== undefined) this.#registrations?.set(filter, packed(qosOf(p), grantOf(code)));
      const result = subackOutcome(this.#io, id, filter, code);
      settleWaiters(req.waiters[i], filter, result, this.#io);
    }
  }

  /**
   * Handles an UNSUBACK; unknown ids are ignored. An MQTT 5 code other than 0x00 is in the event;
   * one of 0x80 or above (the broker refused) fails the unsubscribe's callbacks with an
   * `UnsubscribeError` naming it (R245), made by the MQTT 5 profile's `refusals` (R360). 3.1.1 has no codes.
   * @param id - The packet id.
   * @param codes - The UNSUBACK's reason codes (MQTT 5; one filter per UNSUBSCRIBE). @default none
   */
  onUnsuback(id: number, codes?: readonly number[]): void {
    const req = this.#requests?.get(id);
    if (req?.kind !== 'unsubscribe') return;
    this.#forget(id);
    const error = unsubackOutcome(this.#io, id, req.filter, codes?.[0]);
    for (const w of req.waiters) settle(w, error, this.#io);
  }

  /**
   * The client stopped (spec R84): every `subscribe` and `unsubscribe` callback still waiting ends
   * with `error`. Registrations stay (they are sent again on the next connection), and so do the
   * UNSUBSCRIBEs not sent yet. Call when disconnected.
   */
  abandon(error: () => ClientClosedError): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    for (const [filter, waiters] of waiting ?? []) {
      settleWaiters(waiters, filter, () => ({ error: error() }), this.#io);
    }
    for (const [filter, waiters] of this.#unsent ?? []) {
      this.#unsent?.set(filter, []);
      for (const w of waiters) settle(w, error(), this.#io);
    }
  }

  /** Ends an acknowledged request: its id is free again, and an empty table is let go. */
  #forget(id: number): void {
    this.#requests?.delete(id);
    if (this.#requests?.size === 0) this.#requests = undefined;
    this.#ids.release(id);
  }

  #allocate(): number {
    try {
      return this.#ids.next();
    } catch {
      return 0; // all ids held by publishes: the request waits for the next connection
    }
  }

  /**
   * Sends SUBSCRIBEs for `entries` in order, each with up to `batch` filters and
   * {@link SUBSCRIBE_BATCH_BYTES} bytes of them (a filter too large for that goes alone). When the packet
   * ids run out the rest waits for the next connection. Every batch is written at once: none waits
   * for the SUBACK of the one before (spec R333).
   */
  #sendSubscribes(filters: Iterator<string>, batch?: SubscribeBatch): void {
    sendInGroups(
      filters,
      this.#batch,
      (group) => this.#sendSubscribe(group, batch),
      // No packet id: what is left waits for the next connection, the batch with it.
      batch === undefined ? undefined : (filter) => this.#wait(filter, batch, false),
    );
  }

  /**
   * One SUBSCRIBE for `group`, with `batch` waiting behind each filter's earlier waiters; false
   * when no packet id is free.
   */
  #sendSubscribe(group: SubscribeGroup, batch?: SubscribeBatch): boolean {
    const id = this.#allocate();
    if (id === 0) return false;
    const max = this.#session.maxQos;
    const { filters } = group;
    const qos: QoS[] = new Array(filters.length);
    const waiters: (Waiters | undefined)[] = new Array(filters.length);
    for (let i = 0; i < filters.length; i++) {
      const filter = filters[i] as string;
      qos[i] = Math.min(qosOf(this.#registrations?.get(filter) ?? 0), max) as QoS;
      const held = this.#waiting === undefined ? undefined : this.#takeWaiters(filter);
      waiters[i] = batch === undefined ? held : joinWaiters(held, batch, false);
    }
    this.#requests ??= new Map();
    this.#requests.set(id, { kind: 'subscribe', filters, waiters });
    this.#io.write(encodeSubscribeList(id, filters, qos, group.lengths));
    return true;
  }

  #sendUnsubscribe(filter: string, waiters: UnsubscribeCallback[]): boolean {
    const id = this.#allocate();
    if (id === 0) return false;
    this.#requests ??= new Map();
    this.#requests.set(id, { kind: 'unsubscribe', filter, waiters });
    this.#io.write(encodeUnsubscribe(id, [filter]));
    return true;
  }

  #cancel(filter: string, waiters: Waiters): void {
    if (Array.isArray(waiters) && waiters.length === 0) return;
    settleWaiters(waiters, filter, { error: new SubscriptionCancelledError(filter) }, this.#io);
  }
}
