/**
 * The verdict of the acknowledge-after-processing crash test (test/integration/ackAfter.crash.test.ts,
 * docs/spec.md R218): from what each subscriber process printed (`S` when a handler started, `D`
 * when it finished, `W` for the client's own trace of what it wrote and of its connection) and what
 * a wire tap saw each process write (its PUBACK and PUBREC ids), every second hand-over of a message
 * is sorted into allowed, the broker's doing, or unexplained.
 *
 * @module
 */
import { type RunTrace, traceOf } from './ackCrashLines.js';

/** What one subscriber process left behind. */
export interface RunRecord {
  /** 1, 2, ... in the order the processes ran. */
  readonly run: number;
  /** Its stdout lines. */
  readonly lines: readonly string[];
  /** Packet ids of the PUBACK and PUBREC packets its connections wrote, as the tap saw them. */
  readonly acksOnWire: ReadonlySet<number>;
  /**
   * Bytes of its socket to the tap that the kernel had not had acknowledged right before the kill
   * (Send-Q, Linux), if read: with its `K` lines they tell which acks never left the process.
   */
  readonly unsentAtKill?: number | undefined;
  /** Bytes the wire tap read from its connection, if it had exactly one. */
  readonly tapRead?: number | undefined;
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
  /**
   * Finished while its process had no connection, which was killed before it had one again: the
   * ack waited for the next connection (R216) and died with the process (R356). Allowed.
   */
  readonly heldWhileDown: string[];
  /**
   * Written by the client after the last byte its peer can have received: still in Node's buffer
   * or in the kernel's send queue when the process was killed, and a killed process with unread
   * input resets its connection, which drops them (R357). Allowed, whatever their age: a loaded
   * peer that reads slowly holds back tiny ack segments for hundreds of milliseconds.
   */
  readonly stranded: string[];
  /**
   * Not explained by any of the above (the test fails on them). Each says whether the client's
   * trace shows the ack handed to its transport (`ack handed to the transport`) or not (`ack never
   * handed to the transport`: held by the client), when the process printed its trace (R357). The
   * transport writes what it was handed at the end of the synchronous run, so an ack handed over
   * before a later finish had reached the socket; one handed over later than that may not have.
   */
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
  for (const c of runs) {
    for (const line of c.lines) {
      if (!line.startsWith('S ')) continue;
      const [key = '', rest = ''] = line.slice(2).split(' #');
      const times = handedOver.get(key) ?? [];
      times.push({ run: c.run, id: Number(rest.split(' ')[0]) });
      handedOver.set(key, times);
    }
  }
  const traces = runs.map((c) => traceOf(c.lines, c.unsentAtKill, c.tapRead));
  const verdict: Verdict = {
    redelivered: Object.fromEntries(Object.keys(qos).map((t) => [t, 0])),
    sameProcess: [],
    renumbered: [],
    ackUnread: [],
    heldWhileDown: [],
    stranded: [],
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
      const trace = traces[before.run - 1] as RunTrace;
      const finish = trace.finishes.get(key);
      // Allowed: the process died before its handler finished (R217).
      if (finish === undefined) continue;
      const fromEnd = trace.finishes.size - finish.at;
      const where = `${key} #${now.id} (finished by run ${before.run}, ${fromEnd} finishes from its end; handed again to run ${now.run})`;
      const acked = runs[before.run - 1]?.acksOnWire.has(before.id) ?? false;
      // A QoS 2 message whose PUBREC left was recorded first (R108): never handed over again (R217).
      if (acked && qos[topic] === 1) verdict.ackUnread.push(where);
      else if (acked) verdict.unexplained.push(`${where}${writtenNote(trace, before.id)}`);
      else if (trace.traced && finish.down && trace.lastConnectedAt <= finish.at)
        verdict.heldWhileDown.push(where);
      else if (trace.stranded !== undefined && trace.unflushed.has(before.id))
        verdict.unexplained.push(`${where} ack not written to the socket by the next finish`);
      else if (trace.stranded?.has(before.id))
        verdict.stranded.push(`${where}${trace.unread?.has(before.id) ? ' unread by the tap' : ''}`);
      // Evidence that the tap read its bytes, yet never parsed the packet: a loss on the way.
      else if (trace.stranded !== undefined && trace.written.has(before.id))
        verdict.unexplained.push(
          `${where} ${trace.boundary === 'tap' ? 'ack read by the tap' : "ack delivered to the peer's kernel"}`,
        );
      else if (fromEnd > recent) verdict.unexplained.push(`${where}${writtenNote(trace, before.id)}`);
    }
  }
  return verdict;
}

/** What the client's trace says of an ack the verdict cannot explain (R357). */
function writtenNote(trace: RunTrace, id: number): string {
  if (!trace.traced) return '';
  return trace.written.has(id) ? ' ack handed to the transport' : ' ack never handed to the transport';
}
