/**
 * Which QoS 2 messages delivered twice by the subscriber the cluster sent as new messages (spec
 * R283), from the nodes' logs (test/support/clusterNode.ts). The client owes one delivery per
 * message the standard lets it tell apart: a PUBLISH with the id of an earlier send of the same
 * message on a later connection is a re-send (R211, R213), but the same message under another id,
 * or under the same id on the same connection after the subscriber completed that id (PUBCOMP: the
 * id is free, and re-sending is allowed only on a new connection [MQTT-4.4.0-1]), is a new message
 * to it.
 */
import type { ClusterLine } from './cluster.js';

/** Why a QoS 2 message delivered twice is the cluster's. */
export type ClusterDuplicate =
  /** Sent again on the connection where the subscriber had completed it (PUBCOMP), same id. */
  | 'resent-after-pubcomp'
  /** Sent again under another packet id. */
  | 'new-id';

/**
 * For each QoS 2 payload in `delivered` more than once: the cluster's reason, when the nodes sent
 * it to the subscriber as at least that many messages the client could not tell apart.
 * @param lines - Every node line.
 * @param subscriber - The subscriber's client id.
 * @param delivered - Payload -> times delivered to the application.
 * @returns Payload -> reason, for the duplicates the nodes' logs show are the cluster's.
 */
export function clusterDuplicates(
  lines: readonly ClusterLine[],
  subscriber: string,
  delivered: ReadonlyMap<string, number>,
): Map<string, ClusterDuplicate> {
  const twice = new Set([...delivered].filter(([p, n]) => n > 1 && p.startsWith('q2-')).map(([p]) => p));
  const subscriberConns = new Set<string>();
  /** Payload -> its sends to the subscriber, in log order. */
  const sends = new Map<string, { at: number; conn: string; id: string }[]>();
  /** `<conn> <id>` -> the log positions of the subscriber's PUBCOMPs for it. */
  const completed = new Map<string, number[]>();
  lines.forEach(({ text }, at) => {
    const f = text.split(' ');
    if (f[0] === 'conn' && f[2] === subscriber) subscriberConns.add(f[1] as string);
    else if (
      f[0] === 'out' &&
      f[2] === 'publish' &&
      twice.has(f[6] as string) &&
      subscriberConns.has(f[1] as string)
    ) {
      const list = sends.get(f[6] as string) ?? [];
      list.push({ at, conn: f[1] as string, id: f[3] as string });
      sends.set(f[6] as string, list);
    } else if (f[0] === 'in' && f[2] === 'pubcomp' && subscriberConns.has(f[1] as string)) {
      const key = `${f[1]} ${f[3]}`;
      completed.set(key, [...(completed.get(key) ?? []), at]);
    }
  });
  const result = new Map<string, ClusterDuplicate>();
  for (const payload of twice) {
    const list = sends.get(payload) ?? [];
    let fresh = 0;
    let why: ClusterDuplicate | undefined;
    list.forEach((send, i) => {
      const earlier = list.slice(0, i);
      if (i === 0) fresh++;
      else if (earlier.every((e) => e.id !== send.id)) {
        fresh++;
        why ??= 'new-id';
      } else if (
        earlier.some(
          (e) =>
            e.conn === send.conn &&
            e.id === send.id &&
            (completed.get(`${send.conn} ${send.id}`) ?? []).some((c) => c > e.at && c < send.at),
        )
      ) {
        fresh++;
        why ??= 'resent-after-pubcomp';
      }
    });
    if (why !== undefined && fresh >= (delivered.get(payload) ?? 0)) result.set(payload, why);
  }
  return result;
}
