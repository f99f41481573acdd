/**
 * Which subscriber process of the acknowledge-after-processing crash test
 * (test/integration/ackAfter.crash.test.ts) made each connection through the wire tap, and what
 * the tap saw each process write (docs/spec.md R218, R357, R358).
 *
 * @module
 */
import type { TappedPacket } from './wireTap.js';

/** Per run: the acks the tap parsed, the bytes it read, and where the two ways to attribute disagree. */
export interface TapRuns {
  /** The PUBACK and PUBREC ids each run wrote, as the tap parsed them. */
  readonly acks: Map<number, Set<number>>;
  /** The bytes the tap read from each run's connection, when it had exactly one (R357). */
  readonly tapRead: Map<number, number | undefined>;
  /** Connections whose CONNECT names another run than the go-time rule gives (R358). */
  readonly disagree: string[];
}

/**
 * Each process says its run in its CONNECT's user name (`run-<n>`), so a connection belongs to the
 * run it names (R358). The run told to go last before the connection's first packet says the same
 * unless the tap read a CONNECT late: those connections are listed in `disagree`.
 * @param packets - The tap's packets, in wire order.
 * @param goMarks - Per run, how many packets the tap had when the run was told to go.
 * @param bytesFromClient - Per tap connection, the bytes the tap read from it.
 */
export function acksByRun(
  packets: readonly TappedPacket[],
  goMarks: readonly (number | undefined)[],
  bytesFromClient: readonly number[],
): TapRuns {
  const runOf = new Map<number, number>();
  const acks = new Map<number, Set<number>>();
  const disagree: string[] = [];
  for (const [index, { connection, packet }] of packets.entries()) {
    let run = runOf.get(connection);
    if (run === undefined) {
      const byTime = goMarks.findLastIndex((mark) => mark !== undefined && mark <= index);
      const named = packet.cmd === 'connect' ? /^run-(\d+)$/.exec(packet.username ?? '') : null;
      run = named === null ? byTime : Number(named[1]);
      if (run !== byTime) disagree.push(`connection ${connection}: run ${run}, by time ${byTime}`);
      runOf.set(connection, run);
    }
    if (packet.cmd !== 'puback' && packet.cmd !== 'pubrec') continue;
    const set = acks.get(run) ?? new Set<number>();
    set.add(packet.messageId ?? 0);
    acks.set(run, set);
  }
  const tapRead = new Map<number, number | undefined>();
  for (const [connection, run] of runOf)
    tapRead.set(run, tapRead.has(run) ? undefined : bytesFromClient[connection]);
  return { acks, tapRead, disagree };
}
