/**
 * Which server a connection's (`connection.ts`) transport goes to and what its CONNECT says:
 * server `index` of the statechart's ring, configured or referred by a broker (spec R246), and
 * the CONNECT options it gets, with the broker's Assigned Client Identifier when the CONNECT asks
 * for a session (R270), and the protocol version it speaks there (R235). Internal: not in the
 * index.
 *
 * @module
 */
import type { ConnectOptions } from '../protocol/connect.js';
import type { SessionIO } from '../protocol/sessionTypes.js';
import type { AuthOwner } from './authSession.js';
import type { LifecycleDriver } from './drivers.js';
import { connectOptionsOf } from './handshake.js';
import type { NormalisedOptions, NormalisedServer } from './options.js';
import type { Transport } from './ports.js';
import type { WireProfile } from './profile.js';
import type { ReferencedServers, RingServer } from './serverReference.js';

/** The part of a connection that its CONNECT options are made from. */
export interface ServerHost extends AuthOwner {
  /** The statechart, whose context holds the Assigned Client Identifier (R270). */
  readonly driver: LifecycleDriver;
  /** One client id per configured server. */
  readonly clientIds: readonly string[];
  /** What the current transport's protocol version changes (spec R235). */
  readonly profile: WireProfile;
  /** Server `index` of the statechart's ring (R246). */
  serverAt(index: number): RingServer;
}

/**
 * Server `index` of the statechart's ring: a configured one, or beyond them one a broker referred
 * the client to, found by the label the ring names it by (spec R246).
 * @param referenced - The servers brokers referred the client to, if any did.
 * @param label - The ring's name for the server.
 */
export function ringServer(
  referenced: ReferencedServers | undefined,
  servers: NormalisedOptions['servers'],
  index: number,
  label: string | undefined,
): RingServer {
  if (referenced !== undefined) return referenced.at(index, label, servers);
  // No broker referred the client anywhere: the ring is the configured servers (R246).
  const configured = servers[index];
  return configured === undefined
    ? { server: servers[0] as NormalisedServer, template: 0 }
    : { server: configured, template: index };
}

/**
 * The static CONNECT options of a server, with its client id: the broker's Assigned Client
 * Identifier when the CONNECT asks for a session (Clean Start 0) and one was assigned (R270).
 */
export function connectOptionsFor(host: ServerHost, server: number): ConnectOptions {
  const { server: s, template } = host.serverAt(server);
  const assigned = host.driver.getSnapshot().context.assignedClientId;
  const clientId = s.clean === false && assigned !== null ? assigned : host.clientIds[template];
  const options = connectOptionsOf(s, clientId);
  // R319, R310: MQTT 5's own CONNECT fields come from its profile (3.1.1 has none).
  return host.profile.connectOptions?.(options, s, host) ?? options;
}

/** The part of a connection that the protocol version of its transport sets. */
export interface SpeakerHost {
  /** The current transport, if any. */
  readonly transport: Transport | null;
  /** What the current transport's protocol version changes (spec R235). */
  profile: WireProfile;
  /** SessionIO: the profile's check of QoS 1 and 2 publishes (MQTT 5, spec R249). */
  admit: SessionIO['admit'];
  /** SessionIO: what the profile's broker refusals do (MQTT 5, spec R244, R252, R354). */
  refusals: SessionIO['refusals'];
}

/** Makes `profile` the protocol version the connection speaks on its new transport (R235). */
export function speak(host: SpeakerHost, profile: WireProfile): void {
  host.profile = profile;
  host.refusals = profile.refusals;
  // Only a profile with CONNACK terms checks publishes (R249): 3.1.1's path pays nothing.
  const admit = profile.admit;
  host.admit =
    admit === undefined
      ? undefined
      : (length, qos, retain, packetId) => admit.call(profile, host.transport, length, qos, retain, packetId);
}
