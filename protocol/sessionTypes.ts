/**
 * The types shared by {@link MqttSession} and its helpers: the I/O it is given, the events it
 * emits, its options (their defaults and checks are in `sessionOptions.ts`). Kept apart so the
 * helpers need not import the session.
 */
import type { ClientClosedError, MqttError, SubscribeError } from '../errors.js';
import type { QoS } from './encode.js';
import type { SessionStore } from './store.js';
import type { ReceivedProperties } from './v5Shapes.js';

export type { QoS } from './encode.js';

export { RESERVE_FULL } from './reserveFull.js';

/** What the client runtime gives a session: the socket it writes to and where events go. */
export interface SessionIO {
  /** Writes one encoded packet to the current connection. Only called while connected. */
  write(bytes: Uint8Array): void;
  /** Receives every {@link SessionEvent}, synchronously. */
  emit(event: SessionEvent): void;
  /** Bytes written but not yet flushed by the transport (for {@link MqttSession.numUnsentBytes}). */
  bufferedBytes(): number;
  /**
   * Optional zero-copy path (see `Transport.reserve`): room for `size` bytes after everything
   * written so far, as an offset into {@link SessionIO.outBuffer}, plus {@link RESERVE_FULL} when
   * the transport is then at its high-water mark; -1 when that is not possible (no connection,
   * or a transport without it): the packet then goes through `write`.
   */
  reserve?(size: number): number;
  /** The buffer `reserve` offsets point into, read right after `reserve`. */
  readonly outBuffer?: Uint8Array;
  /**
   * Whether the transport is at or above its high-water mark (spec R55).
   * @default never (an IO without it reports no backpressure)
   */
  needsDrain?(): boolean;
  /**
   * Calls `callback(true)` once everything written so far is handed to the operating system, or
   * `callback(false)` if the connection closes first (spec R54).
   * @default without it, a QoS 0 publish completes when written
   */
  whenFlushed?(callback: (flushed: boolean) => void): void;
  /**
   * The standard's name of an MQTT 5 reason code in `packet` (`Not authorized`), for the errors
   * that name one (spec R244, R245). Supplied by the MQTT 5 wire profile, so a 3.1.1-only bundle
   * carries no table of names.
   * @default none: errors give the code alone
   */
  reasonName?(code: number, packet: 'PUBACK' | 'PUBREC' | 'SUBACK' | 'UNSUBACK'): string | undefined;
  /**
   * Whether the queued QoS >= 1 publish `packetId` must not be sent any more, its MQTT 5 Message
   * Expiry Interval past (spec R291): the error it is dropped with, else `undefined`.
   * @default never (no publish expires)
   */
  expired?(packetId: number): MqttError | undefined;
  /**
   * What to store with the QoS >= 1 publish that just got `packetId` (asked only of a session with
   * a store): bytes the session keeps and hands back through {@link SessionIO.restoreAnnex} after
   * a restart, never reading them (an MQTT 5 client's publish properties, spec R304).
   * @default none: nothing is stored beside the PUBLISH
   */
  annex?(packetId: number): Uint8Array | undefined;
  /**
   * Receives, while the session is restored from its store, what {@link SessionIO.annex} gave for
   * a message still owed (spec R304).
   * @default none: annexes are ignored
   */
  restoreAnnex?(packetId: number, annex: Uint8Array): void;
  /**
   * Receives what a completion callback (`done`) threw, after the session finished its own update
   * (spec R63). Without it the error is rethrown from a microtask.
   */
  callbackError?(thrown: unknown): void;
  /**
   * Whether a QoS 1 or 2 PUBLISH whose 3.1.1 form is `length` bytes may go to the connected
   * broker (an MQTT 5 broker's CONNACK terms, spec R249, R253, R254): the typed error, or
   * `undefined`. Asked of a new publish while connected (`packetId` 0: before it gets one), and of
   * every queued one at each CONNACK (its `packetId`), so that its MQTT 5 properties count (R305).
   * @default none: every publish may go (MQTT 3.1.1)
   */
  admit?:
    | ((length: number, qos: 1 | 2, retain: boolean, packetId: number) => MqttError | undefined)
    | undefined;
  /**
   * What an MQTT 5 broker's refusals do to the outbound flow (spec R244, R252): supplied by the
   * MQTT 5 profile, so a 3.1.1-only bundle carries none of it (R354).
   * @default none: no broker refuses (MQTT 3.1.1)
   */
  refusals?:
    | {
        /** A PUBACK or PUBREC with a failure code, for the session's outbound state (R244). */
        acked(state: unknown, id: number, qos: 1 | 2, reasonCode: number): void;
        /**
         * A SUBACK's reason code above 0x80 for `filter` (a refusal that says why, R245): emits its
         * `suback` event and returns the `SubscribeError` naming the code. Here, since 3.1.1's only
         * failure is 0x80 (R360).
         */
        subscribe(io: SessionIO, id: number, filter: string, reasonCode: number): SubscribeError;
        /**
         * An UNSUBACK with a non-zero reason code, for `filter`: emits its `unsuback` event and
         * returns the error the unsubscribe fails with, an `UnsubscribeError` for 0x80 and above
         * (R245). Here, since 3.1.1's UNSUBACK has no code (R360).
         */
        unsubscribe(io: SessionIO, id: number, filter: string, reasonCode: number): MqttError | undefined;
        /** The queued messages this broker's CONNACK terms refuse, dropped (R252). */
        queued(
          state: unknown,
          admit: (length: number, qos: 1 | 2, retain: boolean, packetId: number) => MqttError | undefined,
        ): void;
      }
    | undefined;
}

/**
 * Why a message was dropped: queue `overflow`, `offline` (QoS 0, or the queue is disabled),
 * `session-lost` (`onCleanSession: 'fail'`), `buffer-full` (a QoS 0 publish while the transport
 * already held more than `maxBufferedBytes`, spec R56), `closed` (the client stopped, spec R84),
 * `refused` (an MQTT 5 broker answered PUBACK or PUBREC with a failure code, spec R244, or its
 * CONNACK's Maximum Packet Size, Maximum QoS or Retain Available refuses a queued message, R252),
 * or `expired` (its MQTT 5 Message Expiry Interval passed while it waited in the queue, spec R291).
 */
export type DropReason =
  | 'overflow'
  | 'offline'
  | 'session-lost'
  | 'buffer-full'
  | 'closed'
  | 'refused'
  | 'expired';

/**
 * What a session reports. Everything is JSON-safe except the `payload` of `message` events.
 * Packet ids of SUBSCRIBE/UNSUBSCRIBE acks are included so journals can pair them with requests.
 */
export type SessionEvent =
  | {
      readonly type: 'message';
      readonly topic: string;
      readonly payload: Uint8Array;
      readonly qos: QoS;
      readonly retain: boolean;
      readonly dup: boolean;
      /** The PUBLISH's packet id; 0 for QoS 0. */
      readonly packetId: number;
      /**
       * MQTT 5: the PUBLISH's properties (User Properties, Content Type, Response Topic,
       * Correlation Data, Subscription Identifiers ..., spec R293). Absent on MQTT 3.1.1 and when
       * the PUBLISH had none.
       */
      readonly properties?: ReceivedProperties;
    }
  | { readonly type: 'puback'; readonly packetId: number }
  | { readonly type: 'pubrec'; readonly packetId: number }
  | { readonly type: 'pubcomp'; readonly packetId: number }
  | {
      readonly type: 'suback';
      readonly packetId: number;
      readonly filter: string;
      readonly granted: QoS | null;
      /** An MQTT 5 refusal's reason code (0x81 and above; absent for 0x80, 3.1.1's only one), spec R245. */
      readonly reasonCode?: number;
      /** The reason code's name, with `reasonCode` when known. */
      readonly reason?: string;
    }
  | {
      readonly type: 'unsuback';
      readonly packetId: number;
      readonly filter: string;
      /** MQTT 5: the UNSUBACK's code when it is not 0x00 Success (e.g. 0x11 No subscription existed). */
      readonly reasonCode?: number;
      /** Its name in the standard, with `reasonCode`. */
      readonly reason?: string;
    }
  | {
      readonly type: 'drop';
      readonly reason: DropReason;
      readonly topic: string;
      /** The message's packet id, or 0 when it never got one (QoS 0, or refused on arrival). */
      readonly packetId: number;
      readonly qos: QoS;
    }
  | { readonly type: 'replay.done' }
  /**
   * The broker sent again a QoS 2 message this client had already delivered and released (spec
   * R211): answered with PUBREC, not delivered. Counts a broker fault, not a lost message.
   */
  | { readonly type: 'resend.ignored'; readonly packetId: number; readonly topic: string };

/**
 * The application's handler of received messages for acknowledge-after-processing (spec R214):
 * a QoS 1/2 message is acknowledged once this returns, or once the promise it returns settles.
 */
export type MessageHandler = (
  message: Extract<SessionEvent, { type: 'message' }>,
) => void | PromiseLike<void>;

/** What {@link MqttSession.publish} did with a message. */
export interface PublishResult {
  /** The packet id; 0 for QoS 0 and for a message dropped before it got one. */
  readonly packetId: number;
  /** `sent`: on the wire now; `queued`: waiting for the connection or a free in-flight slot; `dropped`: discarded. */
  readonly disposition: 'sent' | 'queued' | 'dropped';
  /**
   * False when the transport is now at or above its high-water mark (as Node's `write()` returns
   * false): wait for `whenWritable()` or the `drain` event before publishing more (spec R55).
   */
  readonly writable: boolean;
}

/**
 * Completion of one publish, called exactly once: with no argument when the message is delivered
 * (QoS 0: its bytes handed to the operating system, spec R54; QoS 1: PUBACK; QoS 2: PUBCOMP, or PUBREC when the session was lost afterwards),
 * or with the error that ended it (`NotConnectedError`, `MessageDroppedError`, `ClientClosedError`).
 */
export type PublishCallback = (error?: MqttError) => void;

/** The outcome of one SUBSCRIBE: the QoS the broker granted, or the broker's refusal. */
export type SubscribeResult =
  | { readonly granted: QoS }
  | { readonly error: SubscribeError | ClientClosedError };

/** Completion of one {@link MqttSession.subscribe} call. */
export type SubscribeCallback = (result: SubscribeResult) => void;

/** Completion of one {@link MqttSession.unsubscribe} call: called when the broker confirmed it. */
export type UnsubscribeCallback = (error?: MqttError) => void;

/** One registered subscription, as {@link MqttSession.subscriptions} lists it. */
export interface SubscriptionInfo {
  /** The topic filter. */
  readonly filter: string;
  /** The QoS requested by the caller (each SUBSCRIBE sends `min(qos, maxQos)`). */
  readonly qos: QoS;
  /** The QoS in the last SUBACK; `null` if the broker refused (0x80); absent before any SUBACK. */
  readonly granted?: QoS | null;
}

/** What to do with a QoS >= 1 publish that does not fit in the queue. */
export type OverflowPolicy = 'drop-oldest' | 'drop-newest' | 'reject';

/** Options of {@link MqttSession}. */
export interface SessionOptions {
  /**
   * Most QoS >= 1 messages held at once: queued ones plus those in flight awaiting PUBACK (QoS 1)
   * or PUBREC (QoS 2). After PUBREC only the packet id is kept, as Mongoose does. 0 disables the
   * queue: a QoS >= 1 publish is then accepted only when it can go on the wire at once, and is
   * dropped (reason `offline`) if the connection closes before its acknowledgement.
   * @default 1000
   */
  readonly maxQueueLength?: number;
  /**
   * Most payload bytes held by queued and in-flight messages (topics and headers not counted).
   * @default 16777216
   */
  readonly maxQueueBytes?: number;
  /**
   * What to do when a QoS >= 1 publish does not fit. `drop-oldest` (Mongoose) drops the oldest
   * message not on the current wire; `drop-newest` drops the new one; `reject` throws
   * `MessageDroppedError('QUEUE_FULL')` from `publish` and keeps nothing.
   * @default 'drop-oldest'
   */
  readonly overflow?: OverflowPolicy;
  /**
   * Most QoS >= 1 messages on the wire whose flow is not complete, QoS 1 and 2 together: QoS 1
   * until PUBACK, QoS 2 until PUBCOMP (past PUBREC too, as MQTT 5's Receive Maximum counts; spec
   * R60). 1 is Mongoose's stop-and-wait. QoS 2 has its own, smaller window within it
   * ({@link SessionOptions.maxInflightQos2}); QoS 1 may use all of it, but waits while the QoS 2
   * window is full (spec R160).
   * @default 1000 (the default `maxQueueLength`: every message held may be on the wire)
   */
  readonly maxInflight?: number;
  /**
   * Most QoS 2 messages on the wire awaiting PUBREC or PUBCOMP, within `maxInflight` (spec R160);
   * while they fill it no PUBLISH of either QoS is written. The default is mosquitto's default
   * `max_inflight_messages`: a stock mosquitto acknowledges but discards a PUBLISH of either QoS
   * from a 3.1.1 client while 20 of its QoS 2 messages await PUBREL (spec R61, R227).
   * @default 20; `maxInflight` when only that is given, so a window set without this option keeps
   *   its meaning for both QoS
   */
  readonly maxInflightQos2?: number;
  /**
   * Most topic filters in one SUBSCRIBE when several go at once: the re-subscription on every
   * connection and `subscribeMany` (spec R163-R165); a SUBSCRIBE also carries at most 64 KiB of
   * filters. 1 sends one SUBSCRIBE per filter (Mongoose); AWS IoT Core accepts at most 8.
   * @default 1000
   */
  readonly maxFiltersPerSubscribe?: number;
  /**
   * Highest QoS used for outgoing publishes and subscriptions; higher requests are downgraded
   * without notice (Mongoose `max_qos`). Changeable later with `setMaxQos`.
   * @default 2
   */
  readonly maxQos?: QoS;
  /**
   * What happens to QoS >= 1 messages already written to an earlier connection when a CONNACK
   * says `sessionPresent = false`: `resend` (Mongoose) sends them again with their ids and DUP = 1;
   * `fail` drops them with `MessageDroppedError('MESSAGE_DROPPED')` (Paho, HiveMQ). Messages
   * never written belonged to no session and are sent normally in both modes.
   * @default 'resend'
   */
  readonly onCleanSession?: 'resend' | 'fail';
  /**
   * Largest payload accepted by `publish`; larger ones throw `SizeLimitError('PAYLOAD_TOO_LARGE')`.
   * @default 268369916 (the protocol limit minus room for the largest topic and a packet id)
   */
  readonly maxPayloadBytes?: number;
  /**
   * The bound on bytes waiting in the transport (not yet handed to the operating system) for
   * QoS 0: a QoS 0 publish made while more than this is waiting is dropped (event `drop`, reason
   * `buffer-full`; its callback gets `MessageDroppedError('QUEUE_FULL')`) instead of growing the
   * buffer without limit (spec R56). Awaiting each publish, or `whenWritable()`, never gets there.
   * @default 16777216
   */
  readonly maxBufferedBytes?: number;
  /**
   * Where the session records what it must not lose, so that a new process resumes it (spec
   * R100-R115): queued and in-flight QoS >= 1 messages, inbound QoS 2 ids, subscriptions. Give
   * the same store (e.g. `openFileStore(path)`) and the same client id with `clean: false`.
   * @default none: the session lives in this object's memory only, and recording costs nothing
   */
  readonly store?: SessionStore;
  /**
   * How many inbound QoS 2 messages the receive guard remembers after their PUBREL (packet id,
   * topic and a payload hash), so that a broker that sends one again on a later connection (aedes
   * with shared persistence does, without DUP) does not make the client deliver it twice (spec
   * R211-R212). 0 turns the guard off.
   * @default 128
   */
  readonly qos2Memory?: number;
  /**
   * Acknowledge after processing (spec R214-R217): called with every received message, after the
   * `message` event; a QoS 1/2 message's PUBACK / PUBREC is written only once this returns (or
   * the promise it returns settles), in receive order, so a process that dies while handling a
   * message gets it again (with `clean: false`). A throw or rejection is reported (R63) and the
   * message is still acknowledged. Handlers of several messages may run at once.
   * @default none: messages are acknowledged on receipt, after the `message` event
   */
  readonly handleMessage?: MessageHandler;
}

/** {@link SessionOptions} with every default applied (`store` and `handleMessage` have none). */
export type ResolvedSessionOptions = Required<Omit<SessionOptions, 'store' | 'handleMessage'>> &
  Pick<SessionOptions, 'store' | 'handleMessage'>;

/**
 * Calls a completion callback so that a throwing callback cannot leave the session half-updated:
 * the error goes to `io.callbackError` (the client reports it, spec R63), or without one is
 * rethrown from a microtask.
 *
 * @param callback - The callback, if any.
 * @param arg - Its argument.
 * @param io - The session's I/O.
 */
export function settle<A>(callback: ((arg: A) => void) | undefined, arg: A, io: SessionIO): void {
  if (callback === undefined) return;
  try {
    callback(arg);
  } catch (error) {
    report(io, error);
  }
}

/**
 * Reports what a user's callback or message handler threw: to `io.callbackError` (the client
 * reports it, spec R63), or without one rethrown from a microtask.
 *
 * @param io - The session's I/O.
 * @param thrown - What was thrown.
 */
export function report(io: SessionIO, thrown: unknown): void {
  if (io.callbackError !== undefined) io.callbackError(thrown);
  else
    queueMicrotask(() => {
      throw thrown;
    });
}

/**
 * Drops a publish that never got a packet id (QoS 0, or QoS >= 1 refused before it was queued):
 * emits its `drop` event (packet id 0), then settles `done` with `error`.
 *
 * @param io - The session's I/O.
 * @param reason - The event's reason.
 * @param topic - The publish's topic.
 * @param qos - Its QoS.
 * @param done - Its callback, if any.
 * @param error - What `done` gets.
 */
export function dropUnsent(
  io: SessionIO,
  reason: DropReason,
  topic: string,
  qos: QoS,
  done: PublishCallback | undefined,
  error: MqttError,
): void {
  io.emit({ type: 'drop', reason, topic, packetId: 0, qos });
  settle(done, error, io);
}
