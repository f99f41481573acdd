/**
 * Reading an MQTT 5 CONNACK into what the broker said (spec R152): every CONNACK property with the
 * value that holds when the broker leaves it out (section 3.2.2.3), and the values in effect for
 * the connection where the broker's word replaces the client's (keep alive, session expiry,
 * client identifier). Also the CONNACK rules that depend on the CONNECT it answers.
 */
import type { ProtocolViolationError } from '../../errors.js';
import { MAX_PACKET_BYTES } from '../decoder.js';
import type { V5Connack } from './packets.js';
import type { UserProperty } from './properties.js';
import { violation } from './reader.js';
import { isSuccess, PROTOCOL_ERROR, reasonName } from './reasonCodes.js';

/** What a CONNACK is checked against and completed with: the CONNECT it answers, as written. */
export interface SentConnectV5 {
  /** The Client Identifier sent (empty: the server must assign one). */
  readonly clientId: string;
  /** The Clean Start flag sent. */
  readonly clean: boolean;
  /** The Keep Alive sent, in seconds. */
  readonly keepalive: number;
  /** The Session Expiry Interval sent (absent: 0). */
  readonly sessionExpiryInterval?: number;
  /** The Authentication Method sent, if any. */
  readonly authenticationMethod?: string;
}

/** What the broker said in its CONNACK, with the standard's defaults filled in. */
export interface ConnackTerms {
  /** Whether the broker accepted the connection (reason code below 0x80). */
  readonly accepted: boolean;
  /** The reason code. */
  readonly reasonCode: number;
  /** Its name in the standard (`Bad User Name or Password`). */
  readonly reasonName: string;
  /** Whether the broker resumed a session. */
  readonly sessionPresent: boolean;
  /** The client identifier in effect: the assigned one, else the one sent. */
  readonly clientId: string;
  /** Whether {@link ConnackTerms.clientId} was assigned by the broker. */
  readonly clientIdAssigned: boolean;
  /** The keep alive in effect, in seconds: Server Keep Alive, else the one sent. */
  readonly keepAliveSec: number;
  /** The session expiry in effect, in seconds: the broker's, else the one sent (else 0). */
  readonly sessionExpiryInterval: number;
  /** How many QoS 1 and 2 publications the broker accepts at once (default 65535). */
  readonly receiveMaximum: number;
  /** The highest QoS the broker supports (default 2). */
  readonly maximumQoS: 0 | 1 | 2;
  /** Whether the broker supports retained messages (default `true`). */
  readonly retainAvailable: boolean;
  /** The largest packet the broker accepts, in bytes (default: the protocol's largest, 268435460). */
  readonly maximumPacketSize: number;
  /** The highest topic alias the broker accepts (default 0: none). */
  readonly topicAliasMaximum: number;
  /** Whether wildcard subscriptions are supported (default `true`). */
  readonly wildcardSubscriptionAvailable: boolean;
  /** Whether subscription identifiers are supported (default `true`). */
  readonly subscriptionIdentifiersAvailable: boolean;
  /** Whether shared subscriptions are supported (default `true`). */
  readonly sharedSubscriptionAvailable: boolean;
  /** The broker's diagnostic text, if any. */
  readonly reasonString?: string;
  /** The broker's user properties, in order (default none). */
  readonly userProperties: readonly UserProperty[];
  /** The basis for response topics, if the client asked and the broker gave one. */
  readonly responseInformation?: string;
  /** Other server(s) to use, with 0x9C / 0x9D, if given. */
  readonly serverReference?: string;
  /** The authentication method, if enhanced authentication is in use. */
  readonly authenticationMethod?: string;
  /** The method's data, if any. */
  readonly authenticationData?: Uint8Array;
}

/**
 * Reads a decoded CONNACK against the CONNECT it answers.
 *
 * Rules checked here (the byte rules are the decoder's): Session Present 1 answering Clean Start
 * 1 [MQTT-3.2.2-2]; no Assigned Client Identifier answering an empty one (3.2.2.3.7); an
 * Authentication Method other than the CONNECT's (3.2.2.3.17). Each is a Protocol Error (0x82).
 *
 * @param connack - A CONNACK from the MQTT 5 decoder.
 * @param connect - The CONNECT written on this connection.
 * @returns What the broker said, or the violation.
 */
export function readConnackV5(
  connack: V5Connack,
  connect: SentConnectV5,
): ConnackTerms | ProtocolViolationError {
  const p = connack.properties ?? {};
  const accepted = isSuccess(connack.reasonCode);
  if (connect.clean && connack.sessionPresent) {
    return violation(
      PROTOCOL_ERROR,
      'CONNACK answering Clean Start 1 must have session present 0 [MQTT-3.2.2-2]',
    );
  }
  if (accepted && connect.clientId === '' && p.assignedClientIdentifier === undefined) {
    return violation(
      PROTOCOL_ERROR,
      'CONNACK answering an empty Client Identifier must assign one [3.2.2.3.7]',
    );
  }
  if (p.authenticationMethod !== undefined && p.authenticationMethod !== connect.authenticationMethod) {
    return violation(PROTOCOL_ERROR, "CONNACK Authentication Method differs from the CONNECT's [3.2.2.3.17]");
  }
  const terms: ConnackTerms = {
    accepted,
    reasonCode: connack.reasonCode,
    reasonName: reasonName(connack.reasonCode, 'CONNACK'),
    sessionPresent: connack.sessionPresent,
    clientId: p.assignedClientIdentifier ?? connect.clientId,
    clientIdAssigned: p.assignedClientIdentifier !== undefined,
    keepAliveSec: p.serverKeepAlive ?? connect.keepalive,
    sessionExpiryInterval: p.sessionExpiryInterval ?? connect.sessionExpiryInterval ?? 0,
    receiveMaximum: p.receiveMaximum ?? 65_535,
    maximumQoS: p.maximumQoS ?? 2,
    retainAvailable: p.retainAvailable ?? true,
    maximumPacketSize: p.maximumPacketSize ?? MAX_PACKET_BYTES,
    topicAliasMaximum: p.topicAliasMaximum ?? 0,
    wildcardSubscriptionAvailable: p.wildcardSubscriptionAvailable ?? true,
    subscriptionIdentifiersAvailable: p.subscriptionIdentifiersAvailable ?? true,
    sharedSubscriptionAvailable: p.sharedSubscriptionAvailable ?? true,
    userProperties: p.userProperties ?? [],
  };
  // Optional fields only when present, so the record has no `undefined` values to journal.
  const optional = {
    reasonString: p.reasonString,
    responseInformation: p.responseInformation,
    serverReference: p.serverReference,
    authenticationMethod: p.authenticationMethod,
    authenticationData: p.authenticationData,
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) (terms as unknown as Record<string, unknown>)[key] = value;
  }
  return terms;
}

/**
 * What {@link readConnackV5} needs to know of a CONNECT, taken from the packet that was written.
 *
 * @param packet - The CONNECT, as built by `buildConnectV5`.
 * @returns Its fields that a CONNACK is read against.
 */
export function sentConnectOf(packet: {
  readonly clientId: string;
  readonly clean: boolean;
  readonly keepalive: number;
  readonly properties?: { readonly sessionExpiryInterval?: number; readonly authenticationMethod?: string };
}): SentConnectV5 {
  const p = packet.properties;
  return {
    clientId: packet.clientId,
    clean: packet.clean,
    keepalive: packet.keepalive,
    ...(p?.sessionExpiryInterval === undefined ? {} : { sessionExpiryInterval: p.sessionExpiryInterval }),
    ...(p?.authenticationMethod === undefined ? {} : { authenticationMethod: p.authenticationMethod }),
  };
}
