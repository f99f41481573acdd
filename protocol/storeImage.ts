/**
 * What a log of {@link StoreRecord}s means: the fold that rebuilds a session's durable state from
 * its records (recovery), and the records that rebuild a given state (compaction). Pure.
 */
import type { QoS } from './encode.js';
import type { StoredPrint, StoreRecord } from './store.js';

/** Where a stored outbound message is in its flow. */
export type StoredState = 'queued' | 'sent' | 'pubrec';

/** One outbound message a recovered session still owes. */
export interface StoredMessage {
  readonly packetId: number;
  readonly qos: 1 | 2;
  /** `queued`: never written; `sent`: written, awaiting PUBACK/PUBREC; `pubrec`: PUBREL owed. */
  state: StoredState;
  /** The encoded PUBLISH (DUP = 0); empty once PUBREC came (only the id is kept). */
  packet: Uint8Array;
  /** What the runtime stored with it (MQTT 5 properties, R304); dropped with the packet at PUBREC. */
  annex?: Uint8Array | undefined;
}

const EMPTY = new Uint8Array(0);

/** A session's durable state: what recovery yields. */
export class SessionImage {
  /** Outbound messages by packet id, in publish order (Map order). */
  readonly messages = new Map<number, StoredMessage>();
  /** Inbound QoS 2 ids delivered and awaiting PUBREL. */
  readonly inbound = new Set<number>();
  /** Fingerprints of inbound ids recorded with one (spec R213). */
  readonly inboundPrints = new Map<number, StoredPrint>();
  /** Subscriptions, in registration order, with their requested QoS. */
  readonly subscriptions = new Map<string, QoS>();

  /**
   * Applies one record.
   * @param r - The record.
   */
  apply(r: StoreRecord): void {
    switch (r.type) {
      case 'publish': {
        // A reused id is a new message: it goes to the end, in publish order.
        this.messages.delete(r.packetId);
        const qos = ((r.packet[0] ?? 0) >> 1) & 3;
        this.messages.set(r.packetId, {
          packetId: r.packetId,
          qos: qos === 2 ? 2 : 1,
          state: 'queued',
          packet: r.packet,
          annex: r.annex,
        });
        return;
      }
      case 'sent': {
        const m = this.messages.get(r.packetId);
        if (m !== undefined && m.state === 'queued') m.state = 'sent';
        return;
      }
      case 'pubrec': {
        const m = this.messages.get(r.packetId);
        if (m === undefined) {
          this.messages.set(r.packetId, { packetId: r.packetId, qos: 2, state: 'pubrec', packet: EMPTY });
        } else {
          m.state = 'pubrec';
          m.packet = EMPTY;
          m.annex = undefined;
        }
        return;
      }
      case 'complete':
      case 'drop':
        this.messages.delete(r.packetId);
        return;
      case 'inbound':
        this.inbound.add(r.packetId);
        if (r.print === undefined) this.inboundPrints.delete(r.packetId);
        else this.inboundPrints.set(r.packetId, r.print);
        return;
      case 'release':
        this.inbound.delete(r.packetId);
        this.inboundPrints.delete(r.packetId);
        return;
      case 'forget':
        this.inbound.clear();
        this.inboundPrints.clear();
        return;
      case 'subscribe':
        this.subscriptions.set(r.filter, r.qos);
        return;
      case 'unsubscribe':
        this.subscriptions.delete(r.filter);
        return;
    }
  }

  /**
   * The records that rebuild this state, for compaction: `recover(image.records())` equals it.
   * @returns A new array: subscriptions, then messages in publish order, then inbound ids.
   */
  records(): StoreRecord[] {
    const out: StoreRecord[] = [];
    for (const [filter, qos] of this.subscriptions) out.push({ type: 'subscribe', filter, qos });
    for (const m of this.messages.values()) {
      if (m.state === 'pubrec') {
        out.push({ type: 'pubrec', packetId: m.packetId });
        continue;
      }
      out.push(
        m.annex === undefined
          ? { type: 'publish', packetId: m.packetId, packet: m.packet }
          : { type: 'publish', packetId: m.packetId, packet: m.packet, annex: m.annex },
      );
      if (m.state === 'sent') out.push({ type: 'sent', packetId: m.packetId });
    }
    for (const id of this.inbound) {
      const print = this.inboundPrints.get(id);
      out.push(
        print === undefined ? { type: 'inbound', packetId: id } : { type: 'inbound', packetId: id, print },
      );
    }
    return out;
  }
}

/**
 * Rebuilds a session's durable state from its log.
 * @param records - The log, oldest first.
 * @returns The state.
 */
export function recover(records: Iterable<StoreRecord>): SessionImage {
  const image = new SessionImage();
  for (const r of records) image.apply(r);
  return image;
}

/** What a stored PUBLISH carries that the session keeps beside it. */
export interface PublishInfo {
  readonly topic: string;
  /** The payload size in bytes. */
  readonly size: number;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads the topic and payload size of an encoded PUBLISH with a packet id.
 * @param packet - The packet.
 * @returns Its topic and payload size, or `undefined` when it is not a well-formed QoS >= 1 PUBLISH.
 */
export function publishInfo(packet: Uint8Array): PublishInfo | undefined {
  if (packet.length < 2 || (packet[0] ?? 0) >> 4 !== 3 || (((packet[0] ?? 0) >> 1) & 3) === 0)
    return undefined;
  let at = 1;
  let remaining = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    const byte = packet[at++];
    if (byte === undefined) return undefined;
    remaining += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) break;
  }
  if (at + remaining !== packet.length || remaining < 4) return undefined;
  const topicLength = ((packet[at] ?? 0) << 8) | (packet[at + 1] ?? 0);
  const payloadAt = at + 2 + topicLength + 2;
  if (payloadAt > packet.length) return undefined;
  try {
    const topic = decoder.decode(packet.subarray(at + 2, at + 2 + topicLength));
    return { topic, size: packet.length - payloadAt };
  } catch {
    return undefined;
  }
}
