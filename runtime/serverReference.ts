/**
 * MQTT 5 Server Reference (spec R265-R267, R246): the broker's "use this server instead", read
 * into addresses the runtime keeps to itself. The statechart sees only labels (`ref-1`, `ref-2`,
 * one per distinct address for the client's life), so no address reaches the journal (R41); when
 * it opens a server beyond the configured ones, the runtime maps that server's label back to the
 * address it kept. Internal: not in the index.
 *
 * @module
 */

import type { LifecycleEvent } from '../machines/events.js';
import type { NormalisedServer } from './servers.js';

/** A server of the statechart's ring, and the configured server whose settings it uses. */
export interface RingServer {
  /** How to reach it. */
  readonly server: NormalisedServer;
  /** Index of the configured server it is (or is reached like). */
  readonly template: number;
}

import { checkHost, checkPort, DEFAULT_PORTS, isWebSocketScheme, webSocketUrl } from './serverUrl.js';

/** One referenced address: a host and, when the reference gave one, a port. */
export interface ReferencedAddress {
  /** Host name or IP address (IPv6 without brackets). */
  readonly host: string;
  /** TCP port, when given. */
  readonly port?: number;
}

const ENTRY = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/;

/**
 * Reads a Server Reference (R246): space-separated `host`, `host:port` or `[ipv6]:port` entries, as
 * the standard's non-normative examples write them [4.11]; an entry that is not a valid host (or
 * port) is dropped, so a reference of only invalid entries is no reference.
 * @param text - The property's value.
 * @returns The valid addresses, in order, without repeats.
 */
export function parseServerReference(text: string): ReferencedAddress[] {
  const out: ReferencedAddress[] = [];
  const seen = new Set<string>();
  for (const entry of text.split(/\s+/)) {
    const m = ENTRY.exec(entry);
    if (m === null) continue;
    try {
      const host = checkHost(m[1] ?? m[2], 'serverReference');
      const port = m[3] === undefined ? undefined : checkPort(Number(m[3]), 'serverReference');
      const key = keyOf({ host, port });
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(port === undefined ? { host } : { host, port });
    } catch {
      // Not an address: the broker's reference is advice, and a bad entry is ignored.
    }
  }
  return out;
}

const keyOf = (a: ReferencedAddress): string => `${a.host}|${a.port ?? ''}`;

/** A referenced address and the configured server it stands in for (how to reach it, R246). */
interface Kept {
  readonly address: ReferencedAddress;
  /** Index of the configured server whose transport, TLS and credentials it uses. */
  readonly template: number;
}

/** The labels given so far, and the addresses behind them (R246). */
export class ReferencedServers {
  readonly #labels = new Map<string, string>();
  readonly #kept = new Map<string, Kept>();

  /**
   * The labels of a Server Reference, giving a new label to each address not seen before.
   * @param text - The property's value.
   * @param template - The configured server the referenced ones are reached like.
   * @returns The labels, in the reference's order (empty when no entry is valid).
   */
  labels(text: string, template: number): string[] {
    return parseServerReference(text).map((address) => {
      const key = keyOf(address);
      const known = this.#labels.get(key);
      if (known !== undefined) return known;
      const label = `ref-${this.#labels.size + 1}`;
      this.#labels.set(key, label);
      this.#kept.set(label, { address, template });
      return label;
    });
  }

  /**
   * The server behind `label`, reached like its template (scheme, transport, TLS, credentials),
   * on the template's default port when the reference gave none.
   * @param label - A label from {@link ReferencedServers.labels}.
   * @param servers - The configured servers.
   * @returns The server and its template's index, or `undefined` for a label never given.
   */
  server(label: string, servers: readonly NormalisedServer[]): RingServer | undefined {
    const kept = this.#kept.get(label);
    const base = kept === undefined ? undefined : servers[kept.template];
    if (kept === undefined || base === undefined) return undefined;
    const { host } = kept.address;
    const port = kept.address.port ?? DEFAULT_PORTS[base.protocol];
    const ws = isWebSocketScheme(base.protocol);
    const server: NormalisedServer = Object.assign({}, base, {
      name: label,
      host,
      port,
      ...(ws ? { url: webSocketUrl(base.protocol as 'ws' | 'wss', host, port, base.path ?? '/mqtt') } : {}),
    });
    return { server, template: kept.template };
  }

  /**
   * Server `index` of the ring: a configured one, or beyond them the referenced one labelled
   * `label`. The ring grows only by labels given here, so a miss is a bug: reached like server 0.
   * @param index - An index into the ring.
   * @param label - The ring's name for it.
   * @param servers - The configured servers.
   */
  at(index: number, label: string | undefined, servers: readonly NormalisedServer[]): RingServer {
    const configured = servers[index];
    if (configured !== undefined) return { server: configured, template: index };
    const found = label === undefined ? undefined : this.server(label, servers);
    return found ?? { server: servers[0] as NormalisedServer, template: 0 };
  }

  /**
   * The servers a trace line about `event` may name (R91): the configured ones, and the
   * referenced one the event is about.
   * @param event - A lifecycle event.
   * @param servers - The configured servers.
   */
  traced(event: LifecycleEvent, servers: readonly NormalisedServer[]): readonly NormalisedServer[] {
    if (!('serverIndex' in event) || event.serverIndex < servers.length) return servers;
    const traced = [...servers];
    traced[event.serverIndex] = this.at(event.serverIndex, event.server, servers).server;
    return traced;
  }
}
