/**
 * The runtime half of MQTT 5 enhanced authentication (spec R310-R316): it runs the configured
 * {@link AuthMethod} for the statechart's `authenticating` and `reauthenticating` states, checks
 * each broker AUTH before the statechart hears of it, and writes the client's AUTH packets. The
 * exchange's data (nonces, proofs, signatures) lives only here: the statechart and its journal
 * see reason codes (R312). Internal: not in the index.
 *
 * @module
 */
import {
  type ErrorData,
  InvalidArgumentError,
  NotConnectedError,
  ProtocolViolationError,
} from '../errors.js';
import type { ConnectionEvent } from '../machines/events.js';
import type { V5AuthenticationOption } from '../protocol/v5/connect.js';
import type { V5Auth } from '../protocol/v5/packets.js';
import {
  AUTH_CONTINUE,
  AUTH_REAUTHENTICATE,
  AUTH_SUCCESS,
  type AuthExchange,
  type AuthMethod,
} from './auth.js';

/** DISCONNECT 0x82 Protocol Error. */
const PROTOCOL_ERROR = 0x82;
/** DISCONNECT 0x80 Unspecified error: the client's method gave up (R316). */
const UNSPECIFIED_ERROR = 0x80;

/** Where the statechart is, as far as a broker AUTH is concerned. */
export type AuthPhase = 'connecting' | 'reauthenticating' | 'other';

/** The connection as an exchange sees it. */
export interface AuthHost {
  /** The generation of the current transport: an answer for an older one is not written. */
  readonly generation: number;
  /** Writes to the current transport. */
  write(bytes: Uint8Array): boolean;
  /** The current transport's profile: it encodes AUTH (MQTT 5). */
  readonly profile: {
    encodeAuth?(reasonCode: number, method: string, data: Uint8Array | undefined): Uint8Array;
  };
  /** Fails transport `generation` with `error` (its DISCONNECT first, R237). */
  failed(generation: number, error: ErrorData): void;
}

const violation = (why: string): ErrorData => new ProtocolViolationError(PROTOCOL_ERROR, why).toData();

/** The method's own failure as the error the connection closes with (DISCONNECT 0x80 unless it says). */
function methodFailure(thrown: unknown): ErrorData {
  if (thrown instanceof ProtocolViolationError) return thrown.toData();
  const why = thrown instanceof Error ? thrown.message : String(thrown);
  return new ProtocolViolationError(UNSPECIFIED_ERROR, `authentication failed: ${why}`, {
    cause: thrown,
  }).toData();
}

/** One client's enhanced authentication: the method, and the exchange in progress on this transport. */
export class AuthSession {
  #exchange: AuthExchange | undefined;
  /** The broker data the next `answer()` steps with. */
  #pending: Uint8Array | undefined;

  constructor(readonly method: AuthMethod) {}

  /**
   * The Authentication Method and Data of a new CONNECT (R310): a fresh exchange. A method whose
   * `start()` throws fails the attempt like a connect hook that throws.
   */
  connect(): V5AuthenticationOption {
    const exchange = this.method.start();
    this.#exchange = exchange;
    this.#pending = undefined;
    return exchange.data === undefined
      ? { method: this.method.method }
      : { method: this.method.method, data: exchange.data };
  }

  /**
   * What a broker AUTH means (R316): the statechart's `mqtt5.auth`, or the protocol error it is:
   * a method other than the CONNECT's, AUTH when none is awaited, or success during CONNECT (the
   * broker ends that exchange with CONNACK). AUTH 0x00 is checked by the method at once (R314).
   */
  received(packet: V5Auth, phase: AuthPhase): ConnectionEvent | ErrorData {
    const method = packet.properties?.authenticationMethod;
    if (method !== this.method.method) {
      return violation(
        `AUTH names the method ${JSON.stringify(method)}, the CONNECT ${JSON.stringify(this.method.method)} [MQTT-4.12.0-5]`,
      );
    }
    const awaited =
      (packet.reasonCode === AUTH_CONTINUE && phase !== 'other') ||
      (packet.reasonCode === AUTH_SUCCESS && phase === 'reauthenticating');
    if (!awaited || this.#exchange === undefined) {
      return violation(
        `AUTH with reason code 0x${packet.reasonCode.toString(16)} when none was awaited [4.12]`,
      );
    }
    const data = packet.properties?.authenticationData;
    if (packet.reasonCode === AUTH_CONTINUE) this.#pending = data;
    else {
      const failure = this.finish(data);
      if (failure !== undefined) return failure;
    }
    return { type: 'mqtt5.auth', reasonCode: packet.reasonCode };
  }

  /**
   * The broker's last word (an accepting CONNACK's or AUTH 0x00's Authentication Data) checked by
   * the method (R314, R316): undefined when it verifies, else the error to close with.
   */
  finish(data: Uint8Array | undefined): ErrorData | undefined {
    const exchange = this.#exchange;
    this.#exchange = undefined;
    this.#pending = undefined;
    if (exchange === undefined) return undefined;
    try {
      exchange.finish(data);
      return undefined;
    } catch (thrown) {
      return methodFailure(thrown);
    }
  }

  /** The statechart's `answerAuth`: the method's next step, written as AUTH 0x18 (R310, R313). */
  answer(host: AuthHost): void {
    const exchange = this.#exchange;
    const generation = host.generation;
    if (exchange === undefined) return;
    const data = this.#pending;
    this.#pending = undefined;
    const write = (reply: Uint8Array) => {
      if (generation !== host.generation || exchange !== this.#exchange) return;
      const bytes = host.profile.encodeAuth?.(AUTH_CONTINUE, this.method.method, reply);
      if (bytes !== undefined) host.write(bytes);
    };
    const fail = (thrown: unknown) => {
      if (exchange === this.#exchange) host.failed(generation, methodFailure(thrown));
    };
    try {
      const reply = exchange.step(data);
      if (reply instanceof Promise) reply.then(write, fail);
      else write(reply);
    } catch (thrown) {
      fail(thrown);
    }
  }

  /** The statechart's `sendReauth`: a fresh exchange, started with AUTH 0x19 (R313). */
  reauthenticate(host: AuthHost): void {
    let exchange: AuthExchange;
    try {
      exchange = this.method.start();
    } catch (thrown) {
      host.failed(host.generation, methodFailure(thrown));
      return;
    }
    this.#exchange = exchange;
    this.#pending = undefined;
    const bytes = host.profile.encodeAuth?.(AUTH_REAUTHENTICATE, this.method.method, exchange.data);
    if (bytes !== undefined) host.write(bytes);
  }

  /** The transport is gone: an exchange does not outlive it. */
  reset(): void {
    this.#exchange = undefined;
    this.#pending = undefined;
  }
}

/** What the connection knows when a broker AUTH arrives. */
interface AuthSnapshot {
  matches(value: object): boolean;
}

/** Where the statechart is for a broker AUTH (R316). */
function phaseOf(snapshot: AuthSnapshot): AuthPhase {
  if (
    snapshot.matches({ online: { connecting: 'handshaking' } }) ||
    snapshot.matches({ online: { connecting: 'authenticating' } })
  )
    return 'connecting';
  if (snapshot.matches({ online: { connected: { auth: 'reauthenticating' } } })) return 'reauthenticating';
  return 'other';
}

/**
 * A broker AUTH as the statechart's event, or the error the connection closes with (R316): an
 * AUTH on a connection whose CONNECT named no Authentication Method is a Protocol Error
 * [MQTT-3.1.2-30] (spec R241).
 */
export function authAnswer(
  auth: AuthSession | undefined,
  sent: object | undefined,
  packet: V5Auth,
  snapshot: AuthSnapshot,
): ConnectionEvent | ErrorData {
  const named = sent !== undefined && (sent as { authenticationMethod?: string }).authenticationMethod;
  if (auth === undefined || named === undefined || named === false) {
    return violation('AUTH, but the CONNECT named no Authentication Method [MQTT-3.1.2-30]');
  }
  return auth.received(packet, phaseOf(snapshot));
}

/**
 * The accepting CONNACK of an authenticated CONNECT, checked by the method (R316): undefined when
 * there is no exchange or it verifies, else the error the connection closes with.
 */
export function authUnproven(
  auth: AuthSession | undefined,
  packet: { readonly properties?: { readonly authenticationData?: Uint8Array } },
  answer: ConnectionEvent,
): ErrorData | undefined {
  if (auth === undefined || answer.type !== 'mqtt5.connack' || answer.reasonCode !== AUTH_SUCCESS)
    return undefined;
  return auth.finish(packet.properties?.authenticationData);
}

/** The statechart as {@link reauthenticate} drives it. */
export interface ReauthDriver {
  send(event: ConnectionEvent): void;
  getSnapshot(): AuthSnapshot;
  subscribe(listener: (snapshot: AuthSnapshot) => void): () => void;
}

const reauthenticating = { online: { connected: { auth: 'reauthenticating' } } };
const connected = { online: 'connected' };

/**
 * Re-authenticates the connected session (R313-R314): AUTH 0x19, the method's steps, until the
 * broker's AUTH 0x00. Resolves then; the session stays up throughout. Rejects with
 * `NotConnectedError` when the session goes down first (a refusal closes it, R315), and at once
 * when it is not up or its server does not speak MQTT 5; `InvalidArgumentError` without `auth`.
 */
export function reauthenticate(
  driver: ReauthDriver,
  connection: {
    readonly config: { readonly auth?: AuthMethod };
    readonly profile: { readonly version: 4 | 5 };
  },
): Promise<void> {
  if (connection.config.auth === undefined) {
    return Promise.reject(new InvalidArgumentError('reauthenticate() needs the `auth` option'));
  }
  if (!driver.getSnapshot().matches(connected) || connection.profile.version !== 5) {
    return Promise.reject(new NotConnectedError('reauthenticate() needs a connected MQTT 5 session'));
  }
  return new Promise((resolve, reject) => {
    let started = false;
    const unsubscribe = driver.subscribe((snapshot) => {
      if (snapshot.matches(reauthenticating)) {
        started = true;
        return;
      }
      if (!started) return;
      unsubscribe();
      if (snapshot.matches(connected)) resolve();
      else reject(new NotConnectedError('the session went down during re-authentication'));
    });
    driver.send({ type: 'client.reauthenticate' });
    // Already re-authenticating: this call shares the exchange in progress.
    if (driver.getSnapshot().matches(reauthenticating)) started = true;
  });
}

/** Where a client's {@link AuthSession} is kept: its connection, with the configured method. */
export interface AuthOwner {
  readonly config: { readonly auth?: AuthMethod };
  auth: AuthSession | undefined;
}

/**
 * Enhanced authentication as the MQTT 5 profile carries it (spec R310-R316): the connection
 * reaches it through its profile, so that a client speaking 3.1.1 only (the default browser
 * client) carries none of it.
 */
export interface AuthRuntime {
  /**
   * The client's authentication with its `auth` method, kept on its connection (made anew when
   * the method changes), or undefined without one (R310).
   */
  session(owner: AuthOwner): AuthSession | undefined;
  /** See {@link authAnswer}. */
  readonly answer: typeof authAnswer;
  /** See {@link authUnproven}. */
  readonly unproven: typeof authUnproven;
  /** See {@link reauthenticate}. */
  readonly reauthenticate: typeof reauthenticate;
}

/** The one {@link AuthRuntime}. */
export const AUTH_RUNTIME: AuthRuntime = Object.freeze({
  session(owner: AuthOwner): AuthSession | undefined {
    const method = owner.config.auth;
    if (method === undefined) return undefined;
    if (owner.auth?.method !== method) owner.auth = new AuthSession(method);
    return owner.auth;
  },
  answer: authAnswer,
  unproven: authUnproven,
  reauthenticate,
});
