/**
 * The verdict of the acknowledge-after-processing crash test (test/integration/ackAfter.crash.test.ts,
 * docs/spec.md R218): from what each subscriber process printed (`S` when a handler started, `D`
 * when it finished) and what a wire tap saw each process write (its PUBACK and PUBREC ids), every
 * second hand-over of a message is sorted into allowed, the broker's doing, or unexplained.
 *
 * @module
 */

/** What one subscriber process left behind. */
export interface RunRecord {
  /** 1, 2, ... in the order the processes ran. */
  readonly run: number;
  /** Its stdout lines. */
  readonly lines: readonly string[];
  /** Packet ids of the PUBACK and PUBREC packets its connections wrote, as the tap saw them. */
  readonly acksOnWire: ReadonlySet<number>;
}

/** The sorted hand-overs; every list names the message, its ids and runs, as evidence. */
export interface Verdict {
  /** Handed again under the same id to a later process: per topic. */
  readonly redelivered: Readonly<Record<string, number>>;
  /** Handed twice to one process under one id (never allowed, R215). */
  readonly sameProcess: string[];
  /** Re-sent by the broker under a new packet id, against [MQTT-4.4.0-1] (R218). */
  readonly renumbered: string[];
  /**
   * QoS 1 messages whose PUBACK the tap saw leave the process that finished them, handed again
   * under that id to a later one: the broker had not read the PUBACK when the next process took
   * the session over, and dropped it with the old connection (mosquitto 2.0.11, R218).
   */
  readonly ackUnread: string[];
  /** Not explained by any of the above (the test fails on them). */
  readonly unexplained: string[];
}

/**
 * Sorts every hand-over after the first of each message.
 * @param runs - The processes, in run order (`runs[i].run === i + 1`).
 * @param recent - How many of a killed process's last finishes may die unacknowledged: acks waiting
 *   behind an unfinished handler, or not yet written when the process was killed.
 * @param qos - The QoS of each topic.
 */
export function judgeHandOvers(
  runs: readonly RunRecord[],
  recent: number,
  qos: Readonly<Record<string, number>>,
): Verdict {
  const handedOver = new Map<string, { run: number; id: number }[]>();
  const finishedAt = runs.map((c) => {
    const order = new Map<string, number>();
    for (const line of c.lines) {
      if (line.startsWith('S ')) {
        const [key = '', rest = ''] = line.slice(2).split(' #');
        const times = handedOver.get(key) ?? [];
        times.push({ run: c.run, id: Number(rest.split(' ')[0]) });
        handedOver.set(key, times);
      } else if (line.startsWith('D ')) order.set(line.slice(2), order.size);
    }
    return order;
  });
  const verdict: Verdict = {
    redelivered: Object.fromEntries(Object.keys(qos).map((t) => [t, 0])),
    sameProcess: [],
    renumbered: [],
    ackUnread: [],
    unexplained: [],
  };
  const counts = verdict.redelivered as Record<string, number>;
  for (const [key, times] of handedOver) {
    const topic = key.split(' ')[0] ?? '';
    for (let i = 1; i < times.length; i++) {
      const before = times[i - 1] as { run: number; id: number };
      const now = times[i] as { run: number; id: number };
      if (now.id !== before.id) {
        verdict.renumbered.push(`${key} #${before.id} (run ${before.run}) then #${now.id} (run ${now.run})`);
        continue;
      }
      if (now.run === before.run) {
        verdict.sameProcess.push(`${key} #${now.id} (run ${now.run})`);
        continue;
      }
      counts[topic] = (counts[topic] ?? 0) + 1;
      const order = finishedAt[before.run - 1] as Map<string, number>;
      const at = order.get(key);
      // Allowed: the process died before its handler finished (R217).
      if (at === undefined) continue;
      const fromEnd = order.size - at;
      const where = `${key} #${now.id} (finished by run ${before.run}, ${fromEnd} finishes from its end; handed again to run ${now.run})`;
      const acked = runs[before.run - 1]?.acksOnWire.has(before.id) ?? false;
      // A QoS 2 message whose PUBREC left was recorded first (R108): never handed over again (R217).
      if (acked && qos[topic] === 1) verdict.ackUnread.push(where);
      else if (acked || fromEnd > recent) verdict.unexplained.push(where);
    }
  }
  return verdict;
}
