/**
 * The inbound half of the session: acknowledging PUBLISH packets from the broker, delivering QoS 2
 * exactly once, and (with `handleMessage`) acknowledging only after the application is done.
 */
import type { InboundPublish } from './decoder.js';
import { encodePuback, encodePubcomp, encodePubrec } from './encode.js';
import { type Fingerprint, fingerprint, ReleasedMemory, sameMessage } from './inboundGuard.js';
import type { SessionLog } from './sessionLog.js';
import { type MessageHandler, report, type SessionEvent, type SessionIO } from './sessionTypes.js';
import type { StoredPrint } from './store.js';

/** A QoS 1/2 message handed to `handleMessage` whose acknowledgement is not written yet (R214). */
interface Handling {
  readonly id: number;
  readonly qos: 1 | 2;
  readonly print: Fingerprint | null;
  /** What it carries, to tell a re-send from a new message under the same id (R215). */
  readonly key: Fingerprint;
  /** The broker session it belongs to: an ack for a lost session is never written (R216). */
  readonly epoch: number;
  done: boolean;
}

/** What {@link InboundFlow} takes from the session options. */
export interface InboundOptions {
  /** Released QoS 2 messages remembered by the receive guard; 0 turns it off (R212). */
  readonly qos2Memory: number;
  /** Acknowledge after this returns or settles (R214); without it, on receipt. */
  readonly handleMessage?: MessageHandler | undefined;
}

/**
 * Receives PUBLISH and PUBREL. Decisions: every QoS 1 message is acknowledged, matched by a
 * subscription or not (Mongoose leaves unmatched ones unacknowledged, so a broker with a persistent
 * session redelivers them forever); QoS 2 uses MQTT 3.1.1 method B (deliver on PUBLISH, hold the
 * id until PUBREL), so a PUBREL the broker loses never loses the message (R210), plus a guard
 * against a broker that sends a released message again (R211).
 */
export class InboundFlow {
  /**
   * QoS 2 ids delivered and awaiting PUBREL, with the fingerprint the guard remembers at release
   * (`null` when the guard is off or the id was restored from a store). Bounded by the id space;
   * made on the first such message (most sessions never receive QoS 2).
   */
  #awaitingRelease: Map<number, Fingerprint | null> | undefined;
  #released: ReleasedMemory | undefined;
  /** Messages handed to `handleMessage`, in receive order, until their ack is written (R214). */
  #handling: Handling[] = [];
  #handlingById: Map<number, Handling> | undefined;
  /** Connections so far (R211); the guard matches only messages delivered on an earlier one. */
  #connection = 0;
  /** Broker sessions so far: a CONNACK without the session starts a new one (R216). */
  #epoch = 0;
  #connectedNow = false;
  /** Records delivered and released ids when the session has a store (spec R100-R115). */
  log: SessionLog | undefined;
  readonly #io: SessionIO;
  readonly #options: InboundOptions;

  /**
   * @param io - Where acks and `message` events go.
   * @param options - The guard's memory and the message handler.
   */
  constructor(io: SessionIO, options: InboundOptions) {
    this.#io = io;
    this.#options = options;
  }

  /**
   * A connection is up: forgets the session's inbound state unless the broker kept it, then writes
   * the acks of messages handled while the connection was down (R216).
   * @param sessionPresent - The CONNACK's session-present flag.
   */
  connected(sessionPresent: boolean): void {
    this.#connection++;
    this.#connectedNow = true;
    if (!sessionPresent) this.#forgetSession();
    this.#flush();
  }

  /** The connection is gone: acks wait for the next one. */
  disconnected(): void {
    this.#connectedNow = false;
  }

  /**
   * Delivers (emits `message`, calls `handleMessage`) and acknowledges one PUBLISH.
   * @param p - A validated PUBLISH.
   */
  receive(p: InboundPublish): void {
    const id = p.messageId ?? 0;
    const qos = p.qos;
    if (qos === 0) {
      this.#deliver(p);
      return;
    }
    const held = qos === 2 ? this.#awaitingRelease?.get(id) : undefined;
    if (qos === 2) {
      // A repeated PUBLISH before PUBREL gets PUBREC again but is not delivered (MQTT 3.1.1),
      // unless it carries another message: the broker dropped the flow (its PUBREL is lost) and
      // reused the id, and holding on would swallow the new message (R213).
      if (held === null || (held !== undefined && sameMessage(held, p.topic, p.payload))) {
        this.#io.write(encodePubrec(id));
        return;
      }
    }
    // Re-sent while its handler runs (R215): its ack is written when the handler is done. Another
    // message under that id means the broker reused it (mosquitto 2.0.11 does): a new message.
    const busy = this.#handlingById?.get(id);
    if (busy !== undefined && sameMessage(busy.key, p.topic, p.payload)) return;
    let print: Fingerprint | null = null;
    if (qos === 2 && this.#options.qos2Memory > 0) {
      const again = this.#released?.take(id, p.topic, p.payload, this.#connection);
      if (again !== undefined) {
        this.#io.emit({ type: 'resend.ignored', packetId: id, topic: p.topic });
        this.#acknowledge(id, 2, again);
        return;
      }
      print = fingerprint(p.topic, p.payload, this.#connection);
      // The id awaited PUBREL for another message: the broker abandoned that flow (R213). Should it
      // send that message again under this id later, on a later connection, it is a re-send too
      // (an aedes + Redis cluster does, once this new message is complete: R283).
      if (held != null) {
        this.#released ??= new ReleasedMemory(this.#options.qos2Memory);
        this.#released.remember(id, held);
      }
    }
    const handler = this.#options.handleMessage;
    if (handler === undefined) {
      this.#deliver(p);
      this.#acknowledge(id, qos, print);
      return;
    }
    const key = print ?? fingerprint(p.topic, p.payload, this.#connection);
    const entry: Handling = { id, qos, print, key, epoch: this.#epoch, done: false };
    this.#handling.push(entry);
    this.#handlingById ??= new Map();
    this.#handlingById.set(id, entry);
    this.#deliver(p, entry);
  }

  /**
   * Handles a PUBREL: forgets the id (remembering the message for the guard, R211) and answers
   * PUBCOMP, also for unknown ids so the broker can always finish its flow [MQTT-4.3.3-1].
   * @param id - The packet id.
   */
  release(id: number): void {
    const awaiting = this.#awaitingRelease;
    const print = awaiting?.get(id);
    if (print !== undefined) {
      awaiting?.delete(id);
      if (print !== null) {
        this.#released ??= new ReleasedMemory(this.#options.qos2Memory);
        this.#released.remember(id, print);
      }
      this.log?.release(id);
    }
    this.#io.write(encodePubcomp(id));
  }

  /**
   * Forgets every id awaiting PUBREL and every remembered release, when a CONNACK says the session
   * is new: the broker will send no PUBREL for them, and a stale id would swallow the next QoS 2
   * message that reuses it. Acks of messages still being handled are never written (R216).
   */
  #forgetSession(): void {
    if (this.#awaitingRelease !== undefined) this.log?.forget();
    this.#awaitingRelease = undefined;
    this.#released?.clear();
    this.#epoch++;
    this.#handlingById = undefined;
  }

  /**
   * Holds ids restored from a store: their PUBLISH was delivered before the process restarted (R108).
   * A recorded fingerprint counts as delivered on connection 0, before any of this process (R213).
   * @param ids - Inbound QoS 2 ids awaiting PUBREL.
   * @param prints - Their fingerprints, where recorded.
   */
  restoreInbound(ids: Iterable<number>, prints?: ReadonlyMap<number, StoredPrint>): void {
    for (const id of ids) {
      this.#awaitingRelease ??= new Map();
      const print = prints?.get(id);
      this.#awaitingRelease.set(id, print === undefined ? null : { ...print, connection: 0 });
    }
  }

  /** Writes PUBACK, or records the QoS 2 id (R108) and writes PUBREC. */
  #acknowledge(id: number, qos: 1 | 2, print: Fingerprint | null): void {
    if (qos === 1) {
      this.#io.write(encodePuback(id));
      return;
    }
    this.#awaitingRelease ??= new Map();
    this.#awaitingRelease.set(id, print);
    // After delivery and before PUBREC: a crash in between redelivers rather than loses (R108).
    // The fingerprint goes too, so a restarted client still tells a re-send from a reused id (R213).
    this.log?.inbound(
      id,
      print === null ? undefined : { topic: print.topic, length: print.length, hash: print.hash },
    );
    this.#io.write(encodePubrec(id));
  }

  #deliver(p: InboundPublish, entry?: Handling): void {
    // MQTT 5 properties (R293) only where the v5 decoder found some: 3.1.1 keeps its one shape.
    const props = p.messageProperties;
    const message: Extract<SessionEvent, { type: 'message' }> =
      props === undefined
        ? {
            type: 'message',
            topic: p.topic,
            payload: p.payload,
            qos: p.qos,
            retain: p.retain,
            dup: p.dup,
            packetId: p.messageId ?? 0,
          }
        : {
            type: 'message',
            topic: p.topic,
            payload: p.payload,
            qos: p.qos,
            retain: p.retain,
            dup: p.dup,
            packetId: p.messageId ?? 0,
            properties: props,
          };
    this.#io.emit(message);
    const handler = this.#options.handleMessage;
    if (handler === undefined) return;
    let result: unknown;
    try {
      result = handler(message);
    } catch (thrown) {
      // A throwing handler still gets its message acknowledged (R63): one bad message must not
      // hold every later ack behind it.
      report(this.#io, thrown);
    }
    if (entry === undefined) return;
    if (!isThenable(result)) {
      this.#finish(entry);
      return;
    }
    const finish = () => {
      // Called from a promise: a store that cannot record (R102) is reported, not left unhandled;
      // the entry stays at the head, so the next flush tries again.
      try {
        this.#finish(entry);
      } catch (thrown) {
        report(this.#io, thrown);
      }
    };
    result.then(finish, (reason: unknown) => {
      report(this.#io, reason);
      finish();
    });
  }

  #finish(entry: Handling): void {
    entry.done = true;
    this.#flush();
  }

  /**
   * Writes the acks of the handled messages at the head of the receive order (R214). An entry
   * leaves only once its ack is written, and every written one leaves even if a later one throws
   * (a store refusing a QoS 2 record): written twice, an ack could hit a reused id (R359).
   */
  #flush(): void {
    const handling = this.#handling;
    let n = 0;
    try {
      while (this.#connectedNow && n < handling.length && (handling[n] as Handling).done) {
        const entry = handling[n] as Handling;
        if (entry.epoch === this.#epoch) {
          this.#acknowledge(entry.id, entry.qos, entry.print);
          if (this.#handlingById?.get(entry.id) === entry) this.#handlingById.delete(entry.id);
        }
        n++;
      }
    } finally {
      if (n > 0) handling.splice(0, n);
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
