/**
 * The QoS 2 receive guard (docs/spec.md R210-R213): a bounded memory of inbound QoS 2 messages
 * already delivered and released, so that a broker which sends such a PUBLISH again after its
 * PUBREL (aedes with shared persistence does, on a session resume, without DUP) cannot make the
 * client deliver it twice.
 */

/**
 * What identifies one delivered QoS 2 message well enough to recognise the broker sending it
 * again: its topic, payload length and payload hash, and the connection it was delivered on.
 */
export interface Fingerprint {
  readonly topic: string;
  readonly length: number;
  readonly hash: number;
  /** The client's connection count when it was first delivered (R211). */
  readonly connection: number;
}

/**
 * FNV-1a over the payload: cheap, and only computed for QoS 2 messages while the guard is on.
 * @param payload - The bytes.
 * @returns A 32-bit hash.
 */
export function payloadHash(payload: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < payload.length; i++) {
    h ^= payload[i] as number;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Builds the fingerprint of a message delivered now.
 * @param topic - Its topic.
 * @param payload - Its payload.
 * @param connection - The current connection count.
 * @returns The fingerprint.
 */
export function fingerprint(topic: string, payload: Uint8Array, connection: number): Fingerprint {
  return { topic, length: payload.length, hash: payloadHash(payload), connection };
}

/**
 * Whether a PUBLISH carries the message a fingerprint was taken of (same topic and payload).
 * @param print - The fingerprint.
 * @param topic - The PUBLISH's topic.
 * @param payload - Its payload.
 * @returns True when it is the same message.
 */
export function sameMessage(print: Fingerprint, topic: string, payload: Uint8Array): boolean {
  return print.topic === topic && print.length === payload.length && print.hash === payloadHash(payload);
}

/**
 * Released QoS 2 messages by packet id, the oldest id forgotten first beyond `capacity` (R212).
 * An id holds at most two messages: the one released under it, and one whose flow the broker
 * abandoned by reusing the id before its PUBREL (R213, R283): a broker that later sends that
 * abandoned message again under its old id, on a later connection, is sending it again too.
 */
export class ReleasedMemory {
  readonly #byId = new Map<number, readonly Fingerprint[]>();
  readonly #capacity: number;

  /** @param capacity - Most ids remembered (at least 1). */
  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /**
   * Remembers a released message, or one whose flow the broker abandoned (R213). A message
   * remembered for the id since its last PUBLISH (an abandoned one) is kept with it; anything
   * older went when that PUBLISH came (see {@link ReleasedMemory.take}).
   * @param id - Its packet id.
   * @param print - Its fingerprint.
   */
  remember(id: number, print: Fingerprint): void {
    const byId = this.#byId;
    const kept = byId.get(id)?.[0];
    byId.delete(id);
    byId.set(id, kept === undefined ? [print] : [print, kept]);
    if (byId.size > this.#capacity) {
      // Maps iterate in insertion order: the first key is the oldest release.
      for (const oldest of byId.keys()) {
        byId.delete(oldest);
        break;
      }
    }
  }

  /**
   * Whether a QoS 2 PUBLISH received now is the broker sending a remembered message again (R211):
   * same id, topic and payload, first delivered on an earlier connection than the current one.
   * The id's entry is forgotten here either way: on a match the id awaits PUBREL again; any other
   * PUBLISH with the id means the broker reused it for a new message.
   * @returns The original fingerprint when it is a re-send, else `undefined`.
   */
  take(id: number, topic: string, payload: Uint8Array, connection: number): Fingerprint | undefined {
    const known = this.#byId.get(id);
    if (known === undefined) return undefined;
    this.#byId.delete(id);
    return known.find((print) => print.connection < connection && sameMessage(print, topic, payload));
  }

  /** Forgets everything: the broker's session is new, so it re-sends nothing. */
  clear(): void {
    this.#byId.clear();
  }
}
