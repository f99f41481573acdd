/**
 * The shapes of the wire validator (`wireValidator.ts`, spec R220-R226, R335-R337): what a
 * violation is, the validator's options, and one connection's feed.
 */
import type { V5ViolationKind } from './wireV5.js';

/** What a {@link WireViolation} broke. */
export type ViolationKind =
  /** R220: bytes that mqtt-packet cannot parse, or a connection that ended inside a packet. */
  | 'unparseable'
  /** R220: a connection whose first packet is not CONNECT, or a second CONNECT. */
  | 'connect-order'
  /** R221: a new packet (DUP = 0) with an id that is still in flight, or id 0. */
  | 'id-in-use'
  /** R222: DUP = 1 on a QoS 0 PUBLISH or on the first sending of an id. */
  | 'dup-first-send'
  /** R223: PUBREL for an id that got no PUBREC (and was not dropped on an earlier connection). */
  | 'pubrel-without-pubrec'
  /** R224: more QoS >= 1 messages in flight than the window (MQTT 5: or the broker's Receive Maximum). */
  | 'window-exceeded'
  | V5ViolationKind;

/** One breach, with where it happened. */
export interface WireViolation {
  readonly kind: ViolationKind;
  /** Which connection of the client (0, 1, ...). */
  readonly connection: number;
  /** Which client packet on that connection (0 = the first). */
  readonly packet: number;
  readonly message: string;
}

/** Options of {@link WireValidator}. */
export interface WireValidatorOptions {
  /**
   * The client's in-flight window for QoS 1 and 2 together (`session.maxInflight`).
   * @default the client's default (spec R160)
   */
  readonly maxInflight?: number;
  /**
   * The client's QoS 2 window (`session.maxInflightQos2`), within `maxInflight`; while it is
   * full, no QoS 1 PUBLISH may go either (spec R160).
   * @default the client's default (spec R160)
   */
  readonly maxInflightQos2?: number;
  /**
   * The client starts from a store that may hold a session (spec R110): ids it never wrote in
   * front of this validator may come back as re-sends (DUP = 1) or PUBREL.
   * @default false
   */
  readonly restored?: boolean;
  /**
   * Several clients feed this validator one after another (process restarts on one store):
   * a new client's DUP = 0 re-send of an id may follow a crash (spec R102), so it is no violation.
   * @default false
   */
  readonly restarts?: boolean;
  /** Names the client in messages. @default 'the client' */
  readonly label?: string;
  /**
   * Called with each violation as it happens: for a client in a child process that may be killed
   * before anyone asks it (the crash publisher prints it).
   * @default none
   */
  readonly onViolation?: (violation: WireViolation) => void;
}

/** One connection's feed: the bytes each side wrote, in order, then its end. */
export interface WireConnection {
  /** Bytes the client wrote. */
  client(bytes: Uint8Array): void;
  /** Bytes the broker wrote. */
  server(bytes: Uint8Array): void;
  /** The connection is gone. */
  closed(): void;
}
