/**
 * The MQTT 5 properties of the client's outbound publishes and subscriptions (spec R290, R291,
 * R295), kept beside the
 * session: the session queues, stores and replays 3.1.1 bytes (R238) and knows nothing of
 * properties, so the MQTT 5 transport asks this table, by packet id, what to add to each PUBLISH
 * on its way out. A 3.1.1 client never builds one. Internal: not in the index.
 *
 * @module
 */
import { InvalidArgumentError, MessageDroppedError, type MqttError } from '../errors.js';
import type { PublishCallback, PublishResult, QoS } from '../protocol/session.js';
import type { OutboundPublishProperties } from '../protocol/v5/encode.js';
import {
  checkMessageProperties,
  type MessageProperties,
  type PublishAlias,
  publishPacketId,
  publishWithProperties,
} from '../protocol/v5/messageProps.js';
import {
  type SubscriptionOptionsV5,
  type SubscriptionWire,
  subscribeWithOptions,
  subscriptionWire,
} from '../protocol/v5/messagePropsSubscribe.js';
import type { PublishProperties } from '../protocol/v5/properties.js';
import { propertiesSize } from '../protocol/v5/propertyCodec.js';
import { decodeStoredProps, encodeStoredProps } from '../protocol/v5/storedProps.js';

const PUBLISH = 3;
const SUBSCRIBE = 8;

/** One publish's properties and when it was accepted, on the client's clock (R291). */
interface Entry {
  readonly props: OutboundPublishProperties;
  /** `clock.now()` when `publish` accepted it, in ms. */
  readonly acceptedAt: number;
}

/** What the table needs of the client: its session, its clock and its servers' versions. */
export interface OutboundPropsHost {
  /** The session's `publish`. */
  publish(
    topic: string,
    payload: Uint8Array | string,
    qos: QoS,
    retain: boolean,
    done?: PublishCallback,
  ): PublishResult;
  /** The injected clock's reading, in ms. */
  now(): number;
  /**
   * Wall-clock milliseconds since the Unix epoch, what survives a restart (R304): the clock's
   * `wallNow`, or its `now` for a clock without one.
   */
  wallNow(): number;
  /** Whether every configured server speaks MQTT 5. */
  allV5(): boolean;
  /** The session's `maxFiltersPerSubscribe`. */
  maxFiltersPerSubscribe(): number;
}

/** The table of outbound properties of one client (R290, R291). */
export class OutboundProps {
  /** The properties of the QoS 0 publish being written, or of a QoS >= 1 one not yet numbered. */
  #slot: Entry | undefined;
  readonly #byId = new Map<number, Entry>();
  /** The MQTT 5 options of subscriptions, by filter (R295). */
  readonly #subs = new Map<string, SubscriptionWire>();

  readonly #lookup = (filter: string): SubscriptionWire | undefined => this.#subs.get(filter);

  constructor(private readonly host: OutboundPropsHost) {}

  /** How many QoS >= 1 publishes with properties are not yet completed or dropped. */
  get size(): number {
    return this.#byId.size;
  }

  /**
   * Publishes with MQTT 5 properties through the session (R290). The properties leave the table
   * when the publish completes or is dropped.
   * @throws {@link InvalidArgumentError} when a configured server speaks MQTT 3.1.1 (R290) or a
   *   property is bad (R292); what the session's `publish` throws.
   */
  publish(
    topic: string,
    payload: Uint8Array | string,
    qos: QoS,
    retain: boolean,
    properties: MessageProperties,
    done: PublishCallback,
  ): PublishResult {
    this.#needV5('publish properties');
    const props = checkMessageProperties(properties, payload);
    const entry: Entry = { props, acceptedAt: this.host.now() };
    let id = 0;
    const settle: PublishCallback = (error) => {
      if (id !== 0 && this.#byId.get(id) === entry) this.#byId.delete(id);
      done(error);
    };
    this.#slot = entry;
    try {
      const result = this.host.publish(topic, payload, qos, retain, settle);
      // QoS >= 1 not yet settled (sent or queued): keep its properties under its id.
      if (result.packetId !== 0 && result.disposition !== 'dropped') {
        id = result.packetId;
        this.#byId.set(id, entry);
      }
      return result;
    } finally {
      this.#slot = undefined;
    }
  }

  /**
   * What the session store keeps with the publish that just got `packetId` (R304): its properties
   * and wall-clock acceptance time, or `undefined` for a publish without properties. A new message
   * on the id replaces whatever a restored one left under it.
   */
  annex(packetId: number): Uint8Array | undefined {
    this.#byId.delete(packetId);
    const entry = this.#slot;
    return entry === undefined ? undefined : encodeStoredProps(entry.props, this.host.wallNow());
  }

  /**
   * Takes back the properties of a message restored from the session store (R304). The time it
   * already waited is the wall-clock time since it was accepted (none when the wall clock went
   * back), so its Message Expiry Interval counts the time the process was down. An annex this
   * library cannot read leaves the message without properties.
   */
  restore(packetId: number, annex: Uint8Array): void {
    const stored = decodeStoredProps(annex);
    if (stored === undefined) return;
    const waited = Math.max(0, this.host.wallNow() - stored.acceptedAt);
    this.#byId.set(packetId, { props: stored.props, acceptedAt: this.host.now() - waited });
  }

  /**
   * Records the MQTT 5 options of `filter`'s subscription, written into every SUBSCRIBE of it
   * from now on, re-subscriptions included (R295); options all at their defaults forget it.
   * @throws {@link InvalidArgumentError} when a configured server speaks MQTT 3.1.1, on a bad
   *   value, or for a Subscription Identifier unless `session.maxFiltersPerSubscribe` is 1 (R296).
   */
  subscription(filter: SubscribeRequestLike, options: SubscriptionOptionsV5): void {
    // Every filter of a `subscribeAsync` request (R295): here, not in the client, so that a
    // client without the MQTT 5 profile carries none of it.
    if (typeof filter !== 'string') {
      for (const one of filtersOf(filter)) this.subscription(one, options);
      return;
    }
    this.#needV5('subscription options');
    const wire = subscriptionWire(filter, options);
    if (wire?.identifier !== undefined && this.host.maxFiltersPerSubscribe() !== 1) {
      throw new InvalidArgumentError(
        'subscriptionIdentifier needs session.maxFiltersPerSubscribe: 1: a SUBSCRIBE has one Subscription Identifier for all its filters, and the session puts several filters in one',
      );
    }
    if (wire === undefined) this.#subs.delete(filter);
    else this.#subs.set(filter, wire);
  }

  /** The Subscription Identifier recorded for `filter`'s subscription, if any (R255, R296). */
  subscriptionIdentifier(filter: string): number | undefined {
    return this.#subs.get(filter)?.identifier;
  }

  #needV5(what: string): void {
    if (!this.host.allV5()) {
      throw new InvalidArgumentError(
        `${what} are MQTT 5 only, and a configured server speaks MQTT 3.1.1 (protocolVersion 4)`,
      );
    }
  }

  /**
   * Whether the queued publish `packetId` outlived its Message Expiry Interval (R291): its error,
   * or `undefined` when it may be sent.
   */
  expired(packetId: number): MqttError | undefined {
    const entry = this.#byId.get(packetId);
    const interval = entry?.props.messageExpiryInterval;
    if (entry === undefined || interval === undefined) return undefined;
    const waited = this.host.now() - entry.acceptedAt;
    if (waited < interval * 1000) return undefined;
    return new MessageDroppedError(
      'MESSAGE_DROPPED',
      `the message expired before it was sent: its Message Expiry Interval of ${interval} s passed after ${waited} ms in the queue`,
    );
  }

  /** The entry of publish `packetId` (0: the one being written or not yet numbered). */
  #entry(packetId: number): Entry | undefined {
    return (packetId === 0 ? undefined : this.#byId.get(packetId)) ?? this.#slot;
  }

  /**
   * The length of the property block content publish `packetId` carries (0: the publish being
   * written or not yet numbered), or `undefined` when it has none: what the broker's Maximum
   * Packet Size is checked against with it (R249, R305). The Message Expiry Interval counted down
   * keeps its four bytes, so the size does not change while it waits.
   */
  propertyBytes(packetId: number): number | undefined {
    const entry = this.#entry(packetId);
    return entry === undefined ? undefined : propertiesSize(entry.props as PublishProperties, 'PUBLISH');
  }

  /**
   * The MQTT 5 PUBLISH with its properties for a 3.1.1 PUBLISH the session writes, or `undefined`
   * when it has none (R290); the Message Expiry Interval is what is left of it (R291). With
   * `alias`, its Topic Alias goes into the same property block (R305).
   * @param packet - A 3.1.1 PUBLISH (or SUBSCRIBE, R295).
   * @param alias - The Topic Alias of a PUBLISH. @default none
   */
  upgrade(packet: Uint8Array, alias?: PublishAlias): Uint8Array | undefined {
    const type = (packet[0] as number) >> 4;
    if (type === SUBSCRIBE)
      return this.#subs.size === 0 ? undefined : subscribeWithOptions(packet, this.#lookup);
    if (type !== PUBLISH) return undefined;
    const entry = this.#entry(publishPacketId(packet));
    if (entry === undefined) return undefined;
    const interval = entry.props.messageExpiryInterval;
    if (interval === undefined) return publishWithProperties(packet, entry.props, alias);
    const waited = Math.floor((this.host.now() - entry.acceptedAt) / 1000);
    const left = Math.max(1, interval - waited);
    return publishWithProperties(packet, { ...entry.props, messageExpiryInterval: left }, alias);
  }
}

/** The filters of a `subscribeAsync` request. */
function filtersOf(request: SubscribeRequestLike): string[] {
  if (typeof request === 'string') return [request];
  if (!Array.isArray(request)) return [(request as { readonly filter: string }).filter];
  return (request as readonly (string | { readonly filter: string })[]).map((r) =>
    typeof r === 'string' ? r : r.filter,
  );
}

/** What `subscription` takes: one filter, or a `subscribeAsync` request. */
export type SubscribeRequestLike =
  | string
  | { readonly filter: string }
  | readonly (string | { readonly filter: string })[];

/** What the table is made for: the client's connection, where it is kept (R290). */
export interface PropsConnection {
  outboundProps: OutboundProps | undefined;
  /** Store annexes of restored messages, until the table takes them (R304). */
  restoredAnnexes: Map<number, Uint8Array> | undefined;
  readonly clock: { now(): number; wallNow?(): number };
  readonly options: { readonly servers: readonly { readonly protocolVersion: 4 | 5 }[] };
  /** The MQTT 5 profile, which makes the table, so a 3.1.1-only bundle carries none of it. */
  readonly config: { readonly mqtt5?: unknown };
}

/** What the table is made for: the client's session. */
export type PropsSession = Pick<OutboundPropsHost, 'publish'> & { readonly maxFiltersPerSubscribe: number };

/**
 * Made by the MQTT 5 profile (`V5_PROFILE.createOutboundProps`): the client's table, kept on its
 * connection where the MQTT 5 transport finds it, with what the store restored (R290, R304).
 */
export type OutboundPropsFactory = (connection: PropsConnection, session: PropsSession) => OutboundProps;

/** The {@link OutboundPropsFactory} of the MQTT 5 profile. */
export const createOutboundProps: OutboundPropsFactory = (connection, session) => {
  const table = new OutboundProps({
    publish: (topic, payload, qos, retain, done) => session.publish(topic, payload, qos, retain, done),
    now: () => connection.clock.now(),
    wallNow: () => connection.clock.wallNow?.() ?? connection.clock.now(),
    allV5: () => connection.options.servers.every((s) => s.protocolVersion === 5),
    maxFiltersPerSubscribe: () => session.maxFiltersPerSubscribe,
  });
  connection.outboundProps = table;
  const restored = connection.restoredAnnexes;
  connection.restoredAnnexes = undefined;
  for (const [id, annex] of restored ?? []) table.restore(id, annex);
  return table;
};
