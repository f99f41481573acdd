/**
 * The shapes of MQTT 5 values that types of the shared (3.1.1) path carry: a received message's
 * properties and a will's. Their own file, so that the 3.1.1 decoder, encoders and CONNECT import
 * nothing of protocol/v5, not even types (R150).
 *
 * @module
 */

/** A User Property: a name and a value, both UTF-8 strings (MQTT 5, 3.3.2.3.7). */
export type ReceivedUserProperty = readonly [name: string, value: string];

/** The MQTT 5 properties a received message carried (R293); absent on MQTT 3.1.1. */
export interface ReceivedProperties {
  /** User Properties, in order, repeats kept. */
  readonly userProperties?: readonly ReceivedUserProperty[];
  /** Content Type. */
  readonly contentType?: string;
  /** Payload Format Indicator: `true` when the payload is UTF-8 text (checked, R292). */
  readonly payloadFormatIndicator?: boolean;
  /** What was left of the Message Expiry Interval when the broker sent it, in seconds. */
  readonly messageExpiryInterval?: number;
  /** Response Topic. */
  readonly responseTopic?: string;
  /** Correlation Data (a view into the received bytes: copy it to keep it). */
  readonly correlationData?: Uint8Array;
  /** The Subscription Identifiers of the subscriptions the message matched (3.3.2.3.8). */
  readonly subscriptionIdentifiers?: readonly number[];
}

/** The will properties of an MQTT 5 CONNECT (3.1.3.2); MQTT 5 servers only. */
export interface WillProperties {
  /** 0x18: seconds the server waits before publishing the will. */
  readonly willDelayInterval?: number;
  /** 0x01: the payload is UTF-8 text (`true`) or unspecified bytes. */
  readonly payloadFormatIndicator?: boolean;
  /** 0x02: seconds the message lives. */
  readonly messageExpiryInterval?: number;
  /** 0x03: MIME-like description of the payload. */
  readonly contentType?: string;
  /** 0x08: the topic name of the response to a request. */
  readonly responseTopic?: string;
  /** 0x09: data matching a response to its request. */
  readonly correlationData?: Uint8Array;
  /** 0x26: user properties, in order, repeats allowed. */
  readonly userProperties?: readonly ReceivedUserProperty[];
}
