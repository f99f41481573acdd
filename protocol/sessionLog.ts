/**
 * The session's side of a {@link SessionStore}: restoring a session from the store's log, and the
 * hooks that record each session event (docs/spec.md R100-R115). A session without a store has no
 * `SessionLog` at all, so its hot path pays one `undefined` check per hook and allocates nothing.
 */
import { ConfigError } from '../errors.js';
import type { QoS } from './encode.js';
import type { OutboundMessage } from './offlineQueue.js';
import type { SessionStore, StoredPrint, StoreRecord } from './store.js';
import { publishInfo, recover, type SessionImage } from './storeImage.js';

/** What a restored session is made of; the session hands its parts to {@link attachStore}. */
export interface RestoreTarget {
  /** Puts restored messages (publish order) in the queue and holds the ids of `releasing` ones. */
  restoreOutbound(messages: OutboundMessage[], releasing: number[]): void;
  /** Holds inbound QoS 2 ids that were delivered and await PUBREL, with their fingerprints if recorded. */
  restoreInbound(ids: Iterable<number>, prints: ReadonlyMap<number, StoredPrint>): void;
  /** Registers a subscription. */
  restoreSubscription(filter: string, qos: QoS): void;
  /**
   * Hands the runtime what it stored with a restored message (its MQTT 5 properties, spec R304),
   * before the message is restored. @default none: annexes are ignored
   */
  restoreAnnex?(packetId: number, annex: Uint8Array): void;
}

/**
 * What restores a session from its store and records its later events: {@link attachStore}. A
 * session takes it as a parameter rather than importing it, so a bundle whose sessions have no
 * store carries no recovery code (spec R231).
 */
export type StoreRecovery = (store: SessionStore, target: RestoreTarget) => SessionLog;

/**
 * Records a session's events in its store, and compacts the store when it asks. It keeps the
 * store's image (the fold of every record) so that compaction writes exactly what recovery would
 * rebuild, without reading the session's own tables.
 */
export class SessionLog {
  #compactQueued = false;
  readonly #store: SessionStore;
  readonly #image: SessionImage;

  /**
   * @param store - The store.
   * @param image - The state its log holds now.
   */
  constructor(store: SessionStore, image: SessionImage) {
    this.#store = store;
    this.#image = image;
  }

  /**
   * A QoS >= 1 message got its packet id; urgent, as its PUBLISH may be written next. `annex` is
   * what the runtime keeps with it (spec R304).
   */
  accepted(packetId: number, packet: Uint8Array, annex?: Uint8Array): void {
    this.#add(
      annex === undefined
        ? { type: 'publish', packetId, packet }
        : { type: 'publish', packetId, packet, annex },
      true,
    );
  }

  /** A message's first write to a socket (a lost record only costs DUP = 0 on one re-send). */
  sent(packetId: number): void {
    this.#add({ type: 'sent', packetId }, false);
  }

  /** PUBREL is owed for `packetId`; urgent: once PUBREL is written the broker may reuse the id. */
  pubrec(packetId: number): void {
    this.#add({ type: 'pubrec', packetId }, true);
  }

  /** An outbound flow ended (a lost record only costs one QoS 1 duplicate or one extra PUBREL). */
  complete(packetId: number): void {
    this.#add({ type: 'complete', packetId }, false);
  }

  /** A message was dropped; urgent, so a message reported dropped is never sent after a restart. */
  drop(packetId: number): void {
    this.#add({ type: 'drop', packetId }, true);
  }

  /** An inbound QoS 2 message was delivered; urgent, as its PUBREC is written next. */
  inbound(packetId: number, print?: StoredPrint): void {
    this.#add(
      print === undefined ? { type: 'inbound', packetId } : { type: 'inbound', packetId, print },
      true,
    );
  }

  /** An inbound id was released; urgent, as its PUBCOMP lets the broker reuse the id. */
  release(packetId: number): void {
    this.#add({ type: 'release', packetId }, true);
  }

  /** The broker's session is new: inbound ids are forgotten. */
  forget(): void {
    this.#add({ type: 'forget' }, true);
  }

  /** A subscription was registered or changed. */
  subscribe(filter: string, qos: QoS): void {
    this.#add({ type: 'subscribe', filter, qos }, true);
  }

  /** A subscription was removed. */
  unsubscribe(filter: string): void {
    this.#add({ type: 'unsubscribe', filter }, true);
  }

  #add(record: StoreRecord, urgent: boolean): void {
    // Stored first: a record the store refused (R202) is not in the state a compaction writes.
    const full = this.#store.append(record, urgent);
    this.#image.apply(record);
    if (!full || this.#compactQueued) return;
    // After the current call stack, so a compaction never sees a half-applied session step.
    this.#compactQueued = true;
    queueMicrotask(() => {
      this.#compactQueued = false;
      this.#store.compact(this.#image.records());
    });
  }
}

/**
 * Rebuilds a session from its store and returns the log that records its further events.
 * Messages come back in publish order: `queued` ones as never written, `sent` ones as written
 * (re-sent with DUP = 1 and their ids), `pubrec` ones as ids owing PUBREL.
 * @param store - The store.
 * @param target - The new session's parts.
 * @returns The session's log.
 * @throws {@link ConfigError} `store` when `store` does not implement {@link SessionStore}.
 */
export function attachStore(store: SessionStore, target: RestoreTarget): SessionLog {
  if (
    typeof store?.readBack !== 'function' ||
    typeof store.append !== 'function' ||
    typeof store.compact !== 'function'
  ) {
    throw new ConfigError('store', 'must implement SessionStore (readBack, append, compact)');
  }
  const image = recover(store.readBack());
  const messages: OutboundMessage[] = [];
  const releasing: number[] = [];
  for (const m of image.messages.values()) {
    if (m.state === 'pubrec') {
      releasing.push(m.packetId);
      continue;
    }
    const info = publishInfo(m.packet);
    // The codec checks every stored PUBLISH; a store that hands back a bad one is skipped, not trusted.
    if (info === undefined) continue;
    const { topic, size } = info;
    if (m.annex !== undefined) target.restoreAnnex?.(m.packetId, m.annex);
    messages.push({
      packetId: m.packetId,
      topic,
      qos: m.qos,
      size,
      packet: m.packet,
      written: m.state === 'sent',
      replay: false,
      done: undefined,
    });
  }
  target.restoreOutbound(messages, releasing);
  target.restoreInbound(image.inbound, image.inboundPrints);
  for (const [filter, qos] of image.subscriptions) target.restoreSubscription(filter, qos);
  store.source?.(() => image.records());
  return new SessionLog(store, image);
}
