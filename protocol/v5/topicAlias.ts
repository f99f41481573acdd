/**
 * Topic aliases (MQTT 5, 3.3.2.3.4; spec R250-R252), both ways and per connection. Outbound, the
 * client gives aliases to the topics it publishes most, within the broker's Topic Alias Maximum:
 * a topic gets a free alias on its first publish; once all are taken, a topic seen a second time
 * among recent un-aliased ones takes over the least recently used alias, so a stream of one-off
 * topics never churns the aliases of the hot ones. Inbound, the client resolves the aliases the
 * broker sends, within the maximum it announced. Pure; the runtime makes one of each per
 * connection, so no mapping outlives its connection [MQTT-3.3.2-7].
 *
 * @module
 */
import type { ProtocolViolationError } from '../../errors.js';
import { alloc, utf8Text, varintSize, writeVarint } from '../encodeBytes.js';
import { violation } from './reader.js';
import { remainingLength } from './upgrade.js';

/** Topic Alias property identifier (table 2-4). */
const TOPIC_ALIAS = 0x23;
const TOPIC_ALIAS_INVALID = 0x94;
const PROTOCOL_ERROR = 0x82;

/** What {@link OutboundTopicAliases.pick} decided for one PUBLISH. */
export interface AliasChoice {
  /** The alias to send, 0 for none. */
  readonly alias: number;
  /** Whether the broker already maps the alias to this topic: the topic name is sent empty. */
  readonly known: boolean;
}

const NONE: AliasChoice = Object.freeze({ alias: 0, known: false });

/** The outbound aliases of one connection (spec R250). */
export class OutboundTopicAliases {
  /** Topic to alias, least recently used first. */
  readonly #aliases = new Map<string, number>();
  /** Topics published while every alias was taken, oldest first; at most `maximum` of them. */
  readonly #seen = new Set<string>();

  /**
   * @param maximum - How many aliases to use: at most the broker's Topic Alias Maximum.
   */
  constructor(readonly maximum: number) {}

  /** How many aliases are in use. */
  get size(): number {
    return this.#aliases.size;
  }

  /**
   * The alias for a PUBLISH to `topic`, updating the mapping as sending it will.
   * @param topic - The topic name.
   */
  pick(topic: string): AliasChoice {
    const aliases = this.#aliases;
    const alias = aliases.get(topic);
    if (alias !== undefined) {
      aliases.delete(topic);
      aliases.set(topic, alias);
      return { alias, known: true };
    }
    if (aliases.size < this.maximum) {
      const next = aliases.size + 1;
      aliases.set(topic, next);
      return { alias: next, known: false };
    }
    const seen = this.#seen;
    if (this.maximum === 0) return NONE;
    if (!seen.delete(topic)) {
      if (seen.size >= this.maximum) seen.delete(seen.values().next().value as string);
      seen.add(topic);
      return NONE;
    }
    // A second publish while full: it takes over the least recently used alias.
    const [coldest, reused] = aliases.entries().next().value as [string, number];
    aliases.delete(coldest);
    aliases.set(topic, reused);
    return { alias: reused, known: false };
  }
}

/** The inbound aliases of one connection (spec R251). */
export class InboundTopicAliases {
  readonly #topics: string[] = [];

  /**
   * @param maximum - The Topic Alias Maximum the client announced in its CONNECT.
   */
  constructor(readonly maximum: number) {}

  /**
   * The topic of a received PUBLISH: a topic with an alias sets the alias, an empty topic with
   * one uses it.
   * @returns The topic, or the violation that closes the connection: 0x94 (Topic Alias invalid)
   *   for an alias above the announced maximum [MQTT-3.3.2-10], 0x82 (Protocol Error) for an
   *   empty topic with an alias never set on this connection (3.3.2.3.4).
   */
  resolve(topic: string, alias: number): string | ProtocolViolationError {
    if (alias > this.maximum) {
      return violation(
        TOPIC_ALIAS_INVALID,
        `PUBLISH Topic Alias ${alias} exceeds the Topic Alias Maximum the client announced (${this.maximum}) [MQTT-3.3.2-10]`,
      );
    }
    if (topic.length > 0) {
      this.#topics[alias] = topic;
      return topic;
    }
    const known = this.#topics[alias];
    if (known === undefined) {
      return violation(
        PROTOCOL_ERROR,
        `PUBLISH with an empty topic and Topic Alias ${alias}, which no PUBLISH of this connection set [3.3.2.3.4]`,
      );
    }
    return known;
  }
}

/** The topic name of a 3.1.1 PUBLISH, and where it lies in the packet. */
export interface PublishTopic {
  /** The topic name. */
  readonly topic: string;
  /** Where the remaining length ends (the topic's length field starts). */
  readonly body: number;
  /** The 3.1.1 remaining length. */
  readonly remaining: number;
  /** The topic name's length in bytes. */
  readonly topicBytes: number;
}

/**
 * Reads the topic of a whole 3.1.1 PUBLISH the session encoded.
 * @param packet - A valid 3.1.1 PUBLISH.
 */
export function publishTopic(packet: Uint8Array): PublishTopic {
  const { remaining, at } = remainingLength(packet);
  const topicBytes = ((packet[at] as number) << 8) | (packet[at + 1] as number);
  const topic = utf8Text(packet.subarray(at + 2, at + 2 + topicBytes)) ?? '';
  return { topic, body: at, remaining, topicBytes };
}

/**
 * The MQTT 5 form of a 3.1.1 PUBLISH with a Topic Alias property (spec R250): the topic name as
 * it was, or empty when the broker already maps the alias (`known`).
 * @param packet - A valid 3.1.1 PUBLISH.
 * @param at - Its topic, from {@link publishTopic}.
 * @param choice - The alias, from {@link OutboundTopicAliases.pick} (not 0).
 */
export function aliasedPublish(packet: Uint8Array, at: PublishTopic, choice: AliasChoice): Uint8Array {
  const first = packet[0] as number;
  const idBytes = ((first >> 1) & 3) > 0 ? 2 : 0;
  const kept = choice.known ? 0 : at.topicBytes;
  // Topic length, topic, packet id, property length (1) and the 3-byte Topic Alias, then payload.
  const payloadAt = at.body + 2 + at.topicBytes + idBytes;
  const payloadBytes = packet.length - payloadAt;
  const remaining = 2 + kept + idBytes + 1 + 3 + payloadBytes;
  const out = alloc(1 + varintSize(remaining) + remaining);
  out[0] = first;
  let o = writeVarint(out, 1, remaining);
  out[o++] = kept >> 8;
  out[o++] = kept & 0xff;
  if (kept > 0) out.set(packet.subarray(at.body + 2, at.body + 2 + kept), o);
  o += kept;
  if (idBytes > 0) {
    out[o++] = packet[at.body + 2 + at.topicBytes] as number;
    out[o++] = packet[at.body + 3 + at.topicBytes] as number;
  }
  out[o++] = 3;
  out[o++] = TOPIC_ALIAS;
  out[o++] = choice.alias >> 8;
  out[o++] = choice.alias & 0xff;
  out.set(packet.subarray(payloadAt), o);
  return out;
}
