/**
 * The MQTT 5 packets a client receives, as the v5 decoder emits them. Shaped like mqtt-packet's
 * (same `cmd` and field names) except where that shape loses information: user properties are an
 * ordered list of pairs, subscription identifiers a list, binary data and payloads plain
 * `Uint8Array`s, and SUBACK/UNSUBACK codes are `reasonCodes`. `properties` is absent when the
 * packet carries none.
 */
import type { QoS } from '../encode.js';
import type {
  AckProperties,
  AuthProperties,
  ConnackProperties,
  DisconnectProperties,
  PublishProperties,
} from './properties.js';

/** CONNACK (3.2). */
export interface V5Connack {
  /** The packet type. */
  readonly cmd: 'connack';
  /** Whether the server resumed a session. */
  readonly sessionPresent: boolean;
  /** 0x00 accepted; 0x80 and above: refused. */
  readonly reasonCode: number;
  /** What the server says about the connection. */
  readonly properties?: ConnackProperties;
}

/** PUBLISH (3.3). */
export interface V5Publish {
  /** The packet type. */
  readonly cmd: 'publish';
  /** The topic name; empty when the topic alias stands for it. */
  readonly topic: string;
  /** A view into the received chunk, never a copy. */
  readonly payload: Uint8Array;
  /** The QoS of this delivery. */
  readonly qos: QoS;
  /** Whether this is a re-delivery. */
  readonly dup: boolean;
  /** Whether the message is a retained one. */
  readonly retain: boolean;
  /** Present for QoS 1 and 2. */
  readonly messageId?: number;
  /** The message's properties. */
  readonly properties?: PublishProperties;
}

/** PUBACK, PUBREC, PUBREL or PUBCOMP (3.4-3.7). */
export interface V5PubAck {
  /** The packet type. */
  readonly cmd: 'puback' | 'pubrec' | 'pubrel' | 'pubcomp';
  /** The packet identifier acknowledged. */
  readonly messageId: number;
  /** 0x00 when the packet omits it (remaining length 2). */
  readonly reasonCode: number;
  /** Reason String and User Properties. */
  readonly properties?: AckProperties;
}

/** SUBACK or UNSUBACK (3.9, 3.11): one reason code per topic filter, in order. */
export interface V5SubAck {
  /** The packet type. */
  readonly cmd: 'suback' | 'unsuback';
  /** The packet identifier of the SUBSCRIBE or UNSUBSCRIBE answered. */
  readonly messageId: number;
  /** One per topic filter, in the request's order. */
  readonly reasonCodes: readonly number[];
  /** Reason String and User Properties. */
  readonly properties?: AckProperties;
}

/** PINGRESP (3.13). */
export interface V5Pingresp {
  /** The packet type. */
  readonly cmd: 'pingresp';
}

/** DISCONNECT from the server (3.14). */
export interface V5Disconnect {
  /** The packet type. */
  readonly cmd: 'disconnect';
  /** 0x00 when the packet omits it (remaining length 0). */
  readonly reasonCode: number;
  /** Reason String, User Properties, Server Reference. */
  readonly properties?: DisconnectProperties;
}

/** AUTH (3.15). */
export interface V5Auth {
  /** The packet type. */
  readonly cmd: 'auth';
  /** 0x00 success, 0x18 continue authentication. */
  readonly reasonCode: number;
  /** Authentication Method and Data, Reason String, User Properties. */
  readonly properties?: AuthProperties;
}

/** Every packet a client may receive in MQTT 5. */
export type V5InboundPacket =
  | V5Connack
  | V5Publish
  | V5PubAck
  | V5SubAck
  | V5Pingresp
  | V5Disconnect
  | V5Auth;
