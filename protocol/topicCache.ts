/**
 * A small cache of validated topic names and their UTF-8 bytes, so a publisher that reuses a few
 * topics pays for validation and encoding once per topic instead of once per message.
 */
import { encodeTopic } from './encode.js';
import { validateTopicName } from './topics.js';

/** Validated topic names mapped to their encoded bytes, evicting the oldest entry when full. */
export class TopicCache {
  /** Made on the first publish, as a session that only receives never needs it. */
  #entries: Map<string, Uint8Array> | undefined;
  /** The last topic asked for: a publisher usually repeats it, and comparing beats a Map lookup. */
  #lastTopic: string | undefined;
  #lastBytes: Uint8Array | undefined;
  readonly #capacity: number;

  /**
   * @param capacity - The most topics kept.
   *   @default 256
   */
  constructor(capacity = 256) {
    this.#capacity = capacity;
  }

  /**
   * Validates a topic name (once) and returns its UTF-8 bytes. Only valid topics are cached.
   * @param topic - A topic name.
   * @returns Its bytes, shared between calls: never modify them.
   * @throws {@link InvalidTopicError} when the topic is not a valid topic name.
   */
  bytes(topic: string): Uint8Array {
    if (topic === this.#lastTopic && this.#lastBytes !== undefined) return this.#lastBytes;
    let bytes = this.#entries?.get(topic);
    if (bytes !== undefined) {
      this.#lastTopic = topic;
      this.#lastBytes = bytes;
      return bytes;
    }
    validateTopicName(topic);
    bytes = encodeTopic(topic);
    this.#entries ??= new Map();
    const entries = this.#entries;
    if (entries.size >= this.#capacity) {
      const oldest = entries.keys().next().value;
      if (oldest !== undefined) entries.delete(oldest);
    }
    entries.set(topic, bytes);
    this.#lastTopic = topic;
    this.#lastBytes = bytes;
    return bytes;
  }
}
