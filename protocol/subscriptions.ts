/**
 * The subscription half of the session: the registered filters in registration order, the
 * SUBSCRIBE/UNSUBSCRIBE requests awaiting their acks, and the re-subscription on every connect.
 */
import { type ClientClosedError, SubscribeError } from '../errors.js';
import type { QoS } from './encode.js';
import { utf8ByteLength } from './encodeBytes.js';
import { encodeSubscribeList, encodeUnsubscribe } from './encodeSubscribe.js';
import type { PacketIdAllocator } from './packetIds.js';
import {
  type SessionIO,
  type SubscribeCallback,
  type SubscribeResult,
  type SubscriptionInfo,
  settle,
  type UnsubscribeCallback,
} from './sessionTypes.js';
import { SubscribeGroup } from './subscribeBatch.js';
import { SubscriptionCancelledError } from './subscriptionCancelled.js';

interface Registration {
  /** The QoS the caller asked for; each SUBSCRIBE sends `min(qos, maxQos)` at the time. */
  qos: QoS;
  granted: QoS | null | undefined;
  /**
   * Callbacks of `subscribe` calls whose SUBSCRIBE has not been sent yet; `undefined` for none,
   * so that thousands of registrations hold no empty arrays and a re-subscription makes none
   * (spec R333).
   */
  waiters: SubscribeCallback[] | undefined;
}

/** One SUBSCRIBE's filters, with the callbacks each filter's SUBACK return code settles. */
type Request =
  | {
      readonly kind: 'subscribe';
      readonly filters: string[];
      readonly waiters: (SubscribeCallback[] | undefined)[];
    }
  | { readonly kind: 'unsubscribe'; readonly filter: string; readonly waiters: UnsubscribeCallback[] };

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
  private registrations: Map<string, Registration> | undefined;
  private requests: Map<number, Request> | undefined;
  private unsent: Map<string, UnsubscribeCallback[]> | undefined;
  private connected = false;

  /**
   * @param ids - The packet-id allocator shared with PUBLISH.
   * @param io - Where packets and events go.
   * @param session - Where the session's current maximum QoS is read (`maxQos`).
   * @param batch - The most filters in one SUBSCRIBE (`maxFiltersPerSubscribe`).
   */
  constructor(
    private readonly ids: PacketIdAllocator,
    private readonly io: SessionIO,
    private readonly session: { readonly maxQos: QoS },
    private readonly batch: number,
  ) {}

  /**
   * Registers (or updates, keeping its position) a filter and sends SUBSCRIBE when connected.
   * @param filter - A valid topic filter.
   * @param qos - The requested QoS.
   * @param done - Called with the SUBACK's outcome.
   */
  subscribe(filter: string, qos: QoS, done: SubscribeCallback | undefined): void {
    const reg = this.register(filter, qos, done);
    if (this.connected) this.sendSubscribes([[filter, reg]]);
  }

  /**
   * Registers (or updates) several filters and, when connected, sends them in as few SUBSCRIBEs
   * as the batch limits allow (spec R164), each filter once, in list order.
   * @param list - Valid topic filters with their requested QoS.
   * @param dones - Per entry of `list`, called with that filter's SUBACK outcome.
   */
  subscribeAll(
    list: readonly { readonly filter: string; readonly qos: QoS }[],
    dones: readonly (SubscribeCallback | undefined)[],
  ): void {
    const entries = new Map<string, Registration>();
    list.forEach(({ filter, qos }, i) => {
      entries.set(filter, this.register(filter, qos, dones[i]));
    });
    if (this.connected) this.sendSubscribes(entries);
  }

  private register(filter: string, qos: QoS, done: SubscribeCallback | undefined): Registration {
    this.registrations ??= new Map();
    const registrations = this.registrations;
    let reg = registrations.get(filter);
    if (reg === undefined) {
      reg = { qos, granted: undefined, waiters: undefined };
      registrations.set(filter, reg);
    } else reg.qos = qos;
    if (done === undefined) return reg;
    if (reg.waiters === undefined) reg.waiters = [done];
    else reg.waiters.push(done);
    return reg;
  }

  /**
   * Removes a filter locally and sends UNSUBSCRIBE (now, or on the next connection).
   * @param filter - A valid topic filter (it need not be registered: the broker may know it).
   * @param done - Called on UNSUBACK.
   */
  unsubscribe(filter: string, done: UnsubscribeCallback | undefined): void {
    const reg = this.registrations?.get(filter);
    if (reg !== undefined) {
      this.registrations?.delete(filter);
      if (reg.waiters !== undefined) this.cancel(filter, reg.waiters);
    }
    const waiters = done === undefined ? [] : [done];
    if (this.connected && this.sendUnsubscribe(filter, waiters)) return;
    this.unsent ??= new Map();
    const unsent = this.unsent;
    unsent.set(filter, (unsent.get(filter) ?? []).concat(waiters));
  }

  /**
   * The registered subscriptions, in registration order.
   * @returns A new array.
   */
  list(): SubscriptionInfo[] {
    const out: SubscriptionInfo[] = [];
    for (const [filter, r] of this.registrations ?? []) {
      out.push(r.granted === undefined ? { filter, qos: r.qos } : { filter, qos: r.qos, granted: r.granted });
    }
    return out;
  }

  /**
   * After CONNACK (and the PUBRELs): sends the offline UNSUBSCRIBEs, then re-subscribes everything.
   * @param sessionPresent - Without a session the broker has no subscription to remove, so the
   *   offline unsubscribes simply succeed.
   */
  onConnected(sessionPresent: boolean): void {
    this.connected = true;
    const unsent = this.unsent;
    this.unsent = undefined;
    for (const [filter, waiters] of unsent ?? []) {
      if (!sessionPresent) for (const w of waiters) settle(w, undefined, this.io);
      else if (!this.sendUnsubscribe(filter, waiters)) {
        this.unsent ??= new Map();
        this.unsent.set(filter, waiters);
      }
    }
    if (this.registrations !== undefined) this.sendSubscribes(this.registrations);
  }

  /** The socket is gone: unacknowledged requests are sent again on the next connection. */
  onDisconnected(): void {
    this.connected = false;
    const requests = this.requests;
    if (requests === undefined) return;
    this.requests = undefined;
    for (const id of requests.keys()) this.ids.release(id);
    for (const req of requests.values()) {
      if (req.kind === 'unsubscribe') {
        this.unsent ??= new Map();
        const unsent = this.unsent;
        unsent.set(req.filter, req.waiters.concat(unsent.get(req.filter) ?? []));
        continue;
      }
      req.filters.forEach((filter, i) => {
        const waiters = req.waiters[i];
        if (waiters === undefined) return;
        const reg = this.registrations?.get(filter);
        if (reg === undefined) this.cancel(filter, waiters);
        else reg.waiters = reg.waiters === undefined ? waiters : waiters.concat(reg.waiters);
      });
    }
  }

  /**
   * Handles a SUBACK: one return code per filter of its SUBSCRIBE, in order; a filter without a
   * code counts as refused. Unknown ids are ignored.
   * @param id - The packet id.
   * @param granted - The SUBACK's return codes.
   */
  onSuback(id: number, granted: readonly number[]): void {
    const req = this.requests?.get(id);
    if (req === undefined || req.kind !== 'subscribe') return;
    this.forget(id);
    req.filters.forEach((filter, i) => {
      const code = granted[i];
      const qos: QoS | null = code === 0 || code === 1 || code === 2 ? code : null;
      const reg = this.registrations?.get(filter);
      if (reg !== undefined) reg.granted = qos;
      // An MQTT 5 code above 0x80 says why (R245); 0x80 is also 3.1.1's only failure.
      const why = code !== undefined && code > 0x80 ? code : undefined;
      const reason = why === undefined ? undefined : this.io.reasonName?.(why, 'SUBACK');
      this.io.emit(
        why === undefined
          ? { type: 'suback', packetId: id, filter, granted: qos }
          : reason === undefined
            ? { type: 'suback', packetId: id, filter, granted: qos, reasonCode: why }
            : { type: 'suback', packetId: id, filter, granted: qos, reasonCode: why, reason },
      );
      const result: SubscribeResult =
        qos === null ? { error: new SubscribeError(filter, why, reason) } : { granted: qos };
      for (const w of req.waiters[i] ?? []) settle(w, result, this.io);
    });
  }

  /**
   * Handles an UNSUBACK; unknown ids are ignored.
   * @param id - The packet id.
   */
  onUnsuback(id: number): void {
    const req = this.requests?.get(id);
    if (req === undefined || req.kind !== 'unsubscribe') return;
    this.forget(id);
    this.io.emit({ type: 'unsuback', packetId: id, filter: req.filter });
    for (const w of req.waiters) settle(w, undefined, this.io);
  }

  /**
   * The client stopped (spec R84): every `subscribe` and `unsubscribe` callback still waiting ends
   * with `error`. Registrations stay (they are sent again on the next connection), and so do the
   * UNSUBSCRIBEs not sent yet. Call when disconnected.
   */
  abandon(error: () => ClientClosedError): void {
    for (const reg of this.registrations?.values() ?? []) {
      const waiters = reg.waiters;
      reg.waiters = undefined;
      for (const w of waiters ?? []) settle(w, { error: error() }, this.io);
    }
    for (const [filter, waiters] of this.unsent ?? []) {
      this.unsent?.set(filter, []);
      for (const w of waiters) settle(w, error(), this.io);
    }
  }

  /** Ends an acknowledged request: its id is free again, and an empty table is let go. */
  private forget(id: number): void {
    this.requests?.delete(id);
    if (this.requests?.size === 0) this.requests = undefined;
    this.ids.release(id);
  }

  private allocate(): number {
    try {
      return this.ids.next();
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
  private sendSubscribes(entries: Iterable<readonly [string, Registration]>): void {
    let group = new SubscribeGroup<Registration>();
    for (const [filter, reg] of entries) {
      const length = utf8ByteLength(filter);
      if (group.full(this.batch, length)) {
        if (!this.sendSubscribe(group)) return;
        group = new SubscribeGroup<Registration>();
      }
      group.add(filter, reg, length);
    }
    if (group.filters.length > 0) this.sendSubscribe(group);
  }

  /** One SUBSCRIBE for `group`; false when no packet id is free. */
  private sendSubscribe(group: SubscribeGroup<Registration>): boolean {
    const id = this.allocate();
    if (id === 0) return false;
    const max = this.session.maxQos;
    const { filters, regs } = group;
    const qos: QoS[] = new Array(regs.length);
    const waiters: (SubscribeCallback[] | undefined)[] = new Array(regs.length);
    for (let i = 0; i < regs.length; i++) {
      const reg = regs[i] as Registration;
      qos[i] = Math.min(reg.qos, max) as QoS;
      waiters[i] = reg.waiters;
      reg.waiters = undefined;
    }
    this.requests ??= new Map();
    this.requests.set(id, { kind: 'subscribe', filters, waiters });
    this.io.write(encodeSubscribeList(id, filters, qos, group.lengths));
    return true;
  }

  private sendUnsubscribe(filter: string, waiters: UnsubscribeCallback[]): boolean {
    const id = this.allocate();
    if (id === 0) return false;
    this.requests ??= new Map();
    this.requests.set(id, { kind: 'unsubscribe', filter, waiters });
    this.io.write(encodeUnsubscribe(id, [filter]));
    return true;
  }

  private cancel(filter: string, waiters: readonly SubscribeCallback[]): void {
    if (waiters.length === 0) return;
    const result = { error: new SubscriptionCancelledError(filter) };
    for (const w of waiters) settle(w, result, this.io);
  }
}
