/**
 * The transport of an MQTT 5 connection (spec R238, R249-R255): what the session writes is
 * upgraded to MQTT 5 on its way out, held against the broker's CONNACK terms, and its PUBLISHes
 * given topic aliases. One per connection, so the terms and the aliases end with it
 * [MQTT-3.3.2-7]. Internal: not in the index.
 *
 * @module
 */
import type { MqttError } from '../errors.js';
import { type BrokerTerms, DEFAULT_TERMS, publishRefusal, v5Size } from '../protocol/v5/capabilities.js';
import { type LocalCodes, mergeSuback, splitSubscribe } from '../protocol/v5/capabilitiesSubscribe.js';
import { publishPacketId } from '../protocol/v5/messageProps.js';
import { aliasedPublish, OutboundTopicAliases, publishTopic } from '../protocol/v5/topicAlias.js';
import { upgradeToV5 } from '../protocol/v5/upgrade.js';
import type { Transport } from './ports.js';
import type { OutboundPropsPort, PropsHost } from './profile.js';

const PUBLISH = 3;
const SUBSCRIBE = 8;

/**
 * What a connection's decoder and transport share (spec R255): SUBSCRIBE filters the transport
 * answered itself, by packet id, for the decoder to merge into the broker's SUBACK, and the way to
 * hand the session a SUBACK nobody sent when every filter was refused.
 */
export interface V5Link {
  /** Local SUBACK codes of SUBSCRIBEs in flight, by packet id. */
  readonly refused: Map<number, LocalCodes>;
  /** Hands a packet to the connection as if decoded (later, never inside a write). */
  deliver(packet: { readonly cmd: 'suback'; readonly messageId: number; readonly granted: number[] }): void;
}

/** Bytes of a Topic Alias property (identifier and two-byte value). */
const ALIAS_BYTES = 3;

/** An MQTT 5 connection's transport: upgrade, CONNACK terms and topic aliases. */
export class V5Transport implements Transport {
  /** What the broker's CONNACK allows: the standard's defaults until it arrives. */
  terms: BrokerTerms = DEFAULT_TERMS;
  /** The outbound aliases, once the CONNACK allowed some. */
  aliases: OutboundTopicAliases | undefined;
  /** Shared with this connection's decoder, from its CONNACK on (R255). */
  link: V5Link | undefined;
  readonly whenFlushed?: Transport['whenFlushed'];
  readonly ref?: Transport['ref'];
  readonly unref?: Transport['unref'];

  /**
   * @param inner - The transport itself.
   * @param aliasLimit - The most outbound aliases to use, whatever the broker allows (0: none).
   * @param host - Where the client's MQTT 5 publish properties and subscription options are (R290).
   */
  constructor(
    readonly inner: Transport,
    readonly aliasLimit: number,
    readonly host?: PropsHost,
  ) {
    // Optional members stay absent when the transport lacks them: callers test for them.
    if (inner.whenFlushed !== undefined) this.whenFlushed = inner.whenFlushed.bind(inner);
    if (inner.ref !== undefined) this.ref = inner.ref.bind(inner);
    if (inner.unref !== undefined) this.unref = inner.unref.bind(inner);
  }

  /**
   * Takes the broker's CONNACK terms for the rest of the connection (spec R249, R250).
   * @param terms - The CONNACK's terms.
   */
  negotiated(terms: BrokerTerms): void {
    this.terms = terms;
    const aliases = Math.min(terms.topicAliasMaximum, this.aliasLimit);
    this.aliases = aliases > 0 ? new OutboundTopicAliases(aliases) : undefined;
  }

  /**
   * Whether a PUBLISH whose 3.1.1 form is `length` bytes may go (spec R249, R253, R254), at its
   * MQTT 5 size with the properties of publish `packetId` (0: not yet numbered) counted (R305).
   * @returns The typed error, or `undefined`.
   */
  admit(length: number, qos: 0 | 1 | 2, retain: boolean, packetId = 0): MqttError | undefined {
    const block = this.host?.outboundProps?.propertyBytes(packetId) ?? 0;
    return publishRefusal(this.terms, qos, retain, v5Size(length, block));
  }

  /**
   * Writes a packet the session encoded for 3.1.1, in its MQTT 5 form.
   * @throws {@link MqttError} for a QoS 0 PUBLISH the broker's terms refuse (nothing is written).
   *   QoS 1 and 2 publishes were held against the terms by the session (`admit`) before they got a
   *   packet id, so they do not come here refused.
   */
  write(bytes: Uint8Array): boolean {
    const type = (bytes[0] as number) >> 4;
    if (type === PUBLISH) return this.inner.write(this.#publish(bytes));
    if (type === SUBSCRIBE && this.link !== undefined) return this.#subscribe(bytes, this.link);
    return this.inner.write(this.#upgrade(bytes));
  }

  /** The MQTT 5 form: with the client's properties or subscription options if it has some (R290, R295). */
  #upgrade(bytes: Uint8Array): Uint8Array {
    return this.host?.outboundProps?.upgrade(bytes) ?? upgradeToV5(bytes);
  }

  /**
   * A SUBSCRIBE without the filters the broker said it does not support (R255): wildcards, shared
   * subscriptions, and those carrying a Subscription Identifier when it has none (0xA1).
   */
  #subscribe(bytes: Uint8Array, link: V5Link): boolean {
    const props = this.host?.outboundProps;
    const split = splitSubscribe(
      this.terms,
      bytes,
      (filter) => props?.subscriptionIdentifier?.(filter) !== undefined,
    );
    if (split === undefined) return this.inner.write(this.#upgrade(bytes));
    link.refused.set(split.packetId, split.codes);
    if (split.packet !== undefined) return this.inner.write(this.#upgrade(split.packet));
    // Nothing left to send: the client answers the SUBSCRIBE itself, after the session recorded it.
    const suback = {
      cmd: 'suback' as const,
      messageId: split.packetId,
      granted: mergeSuback(split.codes, []),
    };
    link.refused.delete(split.packetId);
    queueMicrotask(() => link.deliver(suback));
    return !this.needsDrain;
  }

  #publish(bytes: Uint8Array): Uint8Array {
    const first = bytes[0] as number;
    const props = this.host?.outboundProps;
    // The publish's own property block (its MQTT 5 properties, R290), 0 bytes without.
    const block = props?.propertyBytes(publishPacketId(bytes));
    // QoS 0 is held against the broker's terms at its real size here; QoS 1 and 2 were admitted
    // by the session, properties counted, before they got a packet id (R249, R305).
    if ((first & 0x06) === 0) {
      const refusal = publishRefusal(this.terms, 0, (first & 1) === 1, v5Size(bytes.length, block ?? 0));
      if (refusal !== undefined) throw refusal;
    }
    const aliases = this.aliases;
    // An alias adds 3 bytes to a full topic: none when that would pass the broker's limit, and
    // then the mapping is left as it is (the broker must learn what it is sent).
    const at =
      aliases === undefined || v5Size(bytes.length, (block ?? 0) + ALIAS_BYTES) > this.terms.maximumPacketSize
        ? undefined
        : publishTopic(bytes);
    const choice = at === undefined ? undefined : (aliases as OutboundTopicAliases).pick(at.topic);
    const alias = choice === undefined || choice.alias === 0 ? undefined : choice;
    // With properties: the alias goes into their block, one block for both (R305).
    if (block !== undefined) return (props as OutboundPropsPort).upgrade(bytes, alias) ?? upgradeToV5(bytes);
    return alias === undefined || at === undefined ? upgradeToV5(bytes) : aliasedPublish(bytes, at, alias);
  }

  get bufferedBytes(): number {
    return this.inner.bufferedBytes;
  }
  get needsDrain(): boolean {
    return this.inner.needsDrain === true;
  }
  end(): void {
    this.inner.end();
  }
  destroy(): void {
    this.inner.destroy();
  }
}
