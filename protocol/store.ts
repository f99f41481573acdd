/**
 * The session store port: where a session writes the events that change what it must not lose
 * (queued and in-flight QoS >= 1 messages, inbound QoS 2 ids, subscriptions), so that a new
 * process can resume the session (docs/spec.md R100-R115). The session owns this interface;
 * stores implement it: {@link MemoryStore} here, the Node file store in `adapters/stores/file.ts`.
 */
import type { StoreError } from '../errors.js';
import type { QoS } from './encode.js';

/**
 * What a client does after its store fails while running (spec R203): `stop` stops the client
 * (what was accepted before the fault stays in the store, for the next process); `memory` carries
 * on with the session in memory only (no longer durable) and says so.
 */
export type StoreFaultPolicy = 'stop' | 'memory';

/**
 * What a store did about a fault: its policy (`stop`, `memory`), or `rewritten` when it wrote its
 * log again whole after the file was deleted or truncated underneath it (spec R206).
 */
export type StoreFaultAction = StoreFaultPolicy | 'rewritten';

/** Hears a store fault, once, when the store detects it (see {@link SessionStore.onFault}). */
export type StoreFaultListener = (error: StoreError, action: StoreFaultAction) => void;

/**
 * One session event, as stored. Packet ids are those of the session's allocator. A record never
 * holds a callback: a restored message has no caller to notify.
 */
export type StoreRecord =
  /**
   * A QoS >= 1 message accepted by `publish`, with its packet id and its encoded PUBLISH (DUP = 0),
   * and, when the runtime gave one, its `annex`: bytes the session keeps with the message without
   * reading them (an MQTT 5 client's publish properties and acceptance time, spec R304).
   */
  | {
      readonly type: 'publish';
      readonly packetId: number;
      readonly packet: Uint8Array;
      readonly annex?: Uint8Array;
    }
  /** The message was written to a socket for the first time: re-sends carry DUP = 1. */
  | { readonly type: 'sent'; readonly packetId: number }
  /** PUBREC received for an outbound QoS 2 message (or its id released for a drop): PUBREL is owed. */
  | { readonly type: 'pubrec'; readonly packetId: number }
  /** The outbound flow ended: PUBACK, PUBCOMP, or counted delivered when the broker lost the session. */
  | { readonly type: 'complete'; readonly packetId: number }
  /** The message was dropped (overflow, offline with the queue disabled, session lost). */
  | { readonly type: 'drop'; readonly packetId: number }
  /**
   * An inbound QoS 2 message was delivered; its id is held until PUBREL. `print` (when the
   * receive guard is on) tells a re-send of it from a new message reusing the id (spec R213).
   */
  | { readonly type: 'inbound'; readonly packetId: number; readonly print?: StoredPrint }
  /** PUBREL received for an inbound id. */
  | { readonly type: 'release'; readonly packetId: number }
  /** A CONNACK said the broker's session is new: every inbound id is forgotten. */
  | { readonly type: 'forget' }
  /** A subscription was registered or its QoS changed. */
  | { readonly type: 'subscribe'; readonly filter: string; readonly qos: QoS }
  /** A subscription was removed. */
  | { readonly type: 'unsubscribe'; readonly filter: string };

/** What identifies an inbound QoS 2 message: topic, payload length and payload hash (spec R211). */
export interface StoredPrint {
  readonly topic: string;
  readonly length: number;
  readonly hash: number;
}

/**
 * A durable log of {@link StoreRecord}s. The session calls it synchronously from its hot path, so
 * an implementation buffers as it likes, within one rule: a record appended with `urgent` must
 * survive the death of the process once `append` returns (the session writes the packet that
 * depends on it right after). What survives a power cut is each store's stated fsync policy.
 */
export interface SessionStore {
  /**
   * Reads the log back, oldest first: everything appended since it was created or last compacted.
   * Called once, when a session is created on the store.
   * @returns The records, in append order.
   */
  readBack(): readonly StoreRecord[];
  /**
   * Appends one record.
   * @param record - The record.
   * @param urgent - Whether it must survive process death before this returns.
   * @returns True when the log has grown enough that the owner should {@link SessionStore.compact} it.
   */
  append(record: StoreRecord, urgent: boolean): boolean;
  /**
   * Replaces the whole log, atomically, by `live`: the records that rebuild the current state.
   * @param live - The records, oldest first.
   */
  compact(live: readonly StoreRecord[]): void;
  /**
   * Optional, for stores that can fail (a file): calls `listener` once when the store fails while
   * running, at the moment it finds out (also for a failure with no caller to tell: a background
   * write, fsync or compaction), with what it did. The client turns it into its `store.fault`
   * event and, under `stop`, stops (spec R203).
   * @param listener - The listener.
   * @returns A function that removes it.
   */
  onFault?(listener: StoreFaultListener): () => void;
  /**
   * Optional: the session hands the store a function that gives the records rebuilding its state
   * now (what {@link SessionStore.compact} takes), so that the store can write its log again whole
   * when the file was deleted or truncated underneath it (spec R206).
   * @param live - The current state's records, oldest first.
   */
  source?(live: () => readonly StoreRecord[]): void;
}

/** The smallest log a store compacts: below it rewriting costs more than it saves. */
export const MIN_COMPACT_RECORDS = 1024;

/**
 * A store in this process's memory: it survives a client (a new `MqttClient` on the same store
 * resumes its session) but not the process. The default session keeps no store at all (see
 * `SessionOptions.store`); this one is for handing a session over, and for tests.
 */
export class MemoryStore implements SessionStore {
  #records: StoreRecord[] = [];
  #compactAt = MIN_COMPACT_RECORDS;

  /** Records in the log now (it shrinks on compaction). */
  get length(): number {
    return this.#records.length;
  }

  readBack(): readonly StoreRecord[] {
    return this.#records.slice();
  }

  append(record: StoreRecord, _urgent: boolean): boolean {
    this.#records.push(record);
    return this.#records.length >= this.#compactAt;
  }

  compact(live: readonly StoreRecord[]): void {
    this.#records = live.slice();
    this.#compactAt = Math.max(MIN_COMPACT_RECORDS, 4 * live.length);
  }
}
