/**
 * What the lifecycle's own packets do to a connection (`connection.ts`): a CONNACK, answered by
 * the protocol version's profile and proven by the authentication before the session is trusted
 * (spec R62, R243, R316), and MQTT 5's AUTH and server DISCONNECT (R262-R268, R316). PUBLISH and
 * the acks go to the session inline in the connection (the receive hot path: no extra call per
 * message), PINGRESP is one line there. Internal: not in the index.
 *
 * @module
 */
import { type ErrorData, ProtocolError } from '../errors.js';
import type { SentConnect } from '../protocol/decoderRules.js';
import type { SentConnectV5 } from '../protocol/v5/connack.js';
import type { V5Auth, V5Connack, V5Disconnect } from '../protocol/v5/packets.js';
import type { AuthSession } from './authSession.js';
import type { LifecycleDriver } from './drivers.js';
import type { Transport } from './ports.js';
import type { Connack, Refer, WireProfile } from './profile.js';

/** The part of a connection that its lifecycle packets read and change. */
export interface ReceiveHost {
  /** The statechart the answers go to. */
  readonly driver: LifecycleDriver;
  /** What the current transport's protocol version changes (spec R235). */
  readonly profile: WireProfile;
  /** The CONNECT written on the current transport (spec R62). */
  readonly sentConnect: SentConnect | SentConnectV5 | undefined;
  /** Enhanced authentication, if any (spec R310-R316). */
  readonly auth: AuthSession | undefined;
  /** The current transport, if any. */
  readonly transport: Transport | null;
  /** The Receive Maximum of the last accepted CONNACK (spec R243). */
  receiveMaximum: number;
  /** Fails transport `generation` with `error` (a stale one is ignored). */
  failed(generation: number, error: ErrorData): void;
}

/**
 * A CONNACK from transport `generation`: the statechart's answer, or the connection fails.
 * @param refer - Labels for a Server Reference (MQTT 5, spec R246).
 */
export function connackArrived(
  host: ReceiveHost,
  generation: number,
  packet: Connack | V5Connack,
  refer: Refer,
): void {
  const snapshot = host.driver.getSnapshot();
  const handshaking =
    snapshot.matches({ online: { connecting: 'handshaking' } }) ||
    snapshot.matches({ online: { connecting: 'authenticating' } });
  const answer = host.profile.answerConnack(packet, handshaking, host.sentConnect, refer);
  if (answer instanceof ProtocolError) {
    host.failed(generation, answer.toData());
    return;
  }
  // R316: the broker's last word of the exchange verifies before the session is trusted.
  const unproven = host.profile.authentication?.unproven(host.auth, packet, answer);
  if (unproven !== undefined) {
    host.failed(generation, unproven);
    return;
  }
  host.receiveMaximum = host.profile.receiveMaximum(packet);
  host.profile.negotiated?.(packet, host.transport);
  host.driver.send(answer);
}

/**
 * MQTT 5's own packets (a 3.1.1 decoder yields neither) from transport `generation`: its profile
 * answers an AUTH, checked by its authentication (R316), and a DISCONNECT, which the statechart
 * decides (R262-R268).
 * @param refer - Labels for a Server Reference (spec R246).
 */
export function v5PacketArrived(
  host: ReceiveHost,
  generation: number,
  packet: V5Auth | V5Disconnect,
  refer: Refer,
): void {
  const answer = host.profile.answerPacket?.(
    packet,
    host.auth,
    host.sentConnect,
    host.driver.getSnapshot(),
    refer,
  );
  if (answer === undefined) return;
  if ('code' in answer) host.failed(generation, answer);
  else host.driver.send(answer);
}
