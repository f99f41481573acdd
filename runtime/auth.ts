/**
 * MQTT 5 enhanced authentication (OASIS MQTT 5.0 section 4.12, spec R310-R325): the pluggable
 * method a client is given, and what one exchange with a broker does with it. The statechart
 * decides which state the exchange is in (`authenticating`, `reauthenticating`); the method's
 * computation happens here, in the runtime, and its data never enters the journal (R312).
 *
 * @module
 */

/**
 * One authentication exchange: made by {@link AuthMethod.start} for a CONNECT, and again for each
 * re-authentication. It holds the secrets of that exchange (nonces, keys); it is dropped when the
 * exchange ends.
 */
export interface AuthExchange {
  /** The Authentication Data of the CONNECT (or of the re-authenticating AUTH 0x19); absent for none. */
  readonly data?: Uint8Array;
  /**
   * The answer to the broker's AUTH 0x18 (Continue authentication): the data of the client's AUTH
   * 0x18. May be asynchronous (WebCrypto is). Throw (or reject) to abandon the exchange: the client
   * closes the connection with DISCONNECT 0x80 (R316).
   */
  step(serverData: Uint8Array | undefined): Uint8Array | Promise<Uint8Array>;
  /**
   * The broker's last word: the Authentication Data of the accepting CONNACK or of AUTH 0x00
   * (Success). Synchronous, so that nothing the broker sends after it is read before it is
   * checked. Throw to refuse a broker that could not prove itself (R316).
   */
  finish(serverData: Uint8Array | undefined): void;
}

/**
 * An enhanced authentication method (MQTT 5 only): `auth: scramSha256({ username, password })`.
 * The name goes in the CONNECT's Authentication Method; every broker AUTH must carry the same one
 * [MQTT-4.12.0-5].
 */
export interface AuthMethod {
  /** The Authentication Method, e.g. `SCRAM-SHA-256`. */
  readonly method: string;
  /** Starts an exchange: one per CONNECT, one per re-authentication. Synchronous. */
  start(): AuthExchange;
}

/** AUTH reason code 0x00: Success (3.15.2.1). */
export const AUTH_SUCCESS = 0x00;
/** AUTH reason code 0x18: Continue authentication. */
export const AUTH_CONTINUE = 0x18;
/** AUTH reason code 0x19: Re-authenticate (client only). */
export const AUTH_REAUTHENTICATE = 0x19;
