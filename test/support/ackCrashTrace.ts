/**
 * Post-mortem of an acknowledge-after-processing crash test run made with `ACK_CRASH_TRACE=<dir>`
 * (docs/spec.md R218): per subscriber connection, how many PUBACKs the wire tap saw leave the
 * client, how many mosquitto logged reading, and whether mosquitto closed it at a session takeover;
 * then whether mosquitto ever re-sent a QoS 1 message after reading its PUBACK (the test's
 * `ackUnreadByBroker` count is printed alongside).
 *
 * Usage: `npx tsx test/support/ackCrashTrace.ts <dir>`.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Verdict } from './ackCrashVerdict.js';

/** One subscriber connection as mosquitto's log shows it. */
interface Segment {
  readonly pubacksRead: Set<number>;
  /** mosquitto closed it because the next process connected with the same client id. */
  takenOver: boolean;
}

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: tsx test/support/ackCrashTrace.ts <trace dir>');
const tap = JSON.parse(readFileSync(join(dir, 'tap.json'), 'utf8')) as {
  packets: { c: number; cmd: string; id?: number }[];
};
const verdict = JSON.parse(readFileSync(join(dir, 'verdict.json'), 'utf8')) as Verdict;
const log = readFileSync(join(dir, 'mosquitto.log'), 'utf8').split('\n');

// The tap's connections that sent CONNECT, in order, with the PUBACK ids each wrote.
const tapped = new Map<number, { connect: boolean; pubacks: number[] }>();
for (const p of tap.packets) {
  const c = tapped.get(p.c) ?? { connect: false, pubacks: [] };
  if (p.cmd === 'connect') c.connect = true;
  if (p.cmd === 'puback') c.pubacks.push(p.id ?? 0);
  tapped.set(p.c, c);
}
const connections = [...tapped.entries()].filter(([, c]) => c.connect).sort(([a], [b]) => a - b);

// mosquitto's log, cut at each subscriber CONNECT it accepted; what it read, and re-sends after reads.
const segments: Segment[] = [];
const pubackRead = new Set<number>();
let resentAfterRead = 0;
let qos1Sends = 0;
for (const line of log) {
  if (/New client connected .* as ack-subscriber/.test(line)) {
    segments.push({ pubacksRead: new Set(), takenOver: false });
    continue;
  }
  const current = segments.at(-1);
  const read = /Received PUBACK from ack-subscriber \(Mid: (\d+)/.exec(line);
  if (read !== null) {
    pubackRead.add(Number(read[1]));
    current?.pubacksRead.add(Number(read[1]));
    continue;
  }
  const sent = /Sending PUBLISH to ack-subscriber \(d[01], q1, r0, m(\d+),/.exec(line);
  if (sent !== null) {
    qos1Sends++;
    if (pubackRead.has(Number(sent[1]))) resentAfterRead++;
  } else if (/ack-subscriber already connected, closing old connection/.test(line) && current)
    // Logged before the new connection's "New client connected": it closes the current segment.
    current.takenOver = true;
}

let unread = 0;
let unreadAtTakeover = 0;
for (const [i, [, c]] of connections.entries()) {
  const segment = segments[i];
  if (segment === undefined) break;
  const missing = c.pubacks.filter((id) => !segment.pubacksRead.has(id)).length;
  unread += missing;
  if (segment.takenOver) unreadAtTakeover += missing;
  if (missing > 0)
    console.log(
      `connection ${i}: ${c.pubacks.length} PUBACKs left the client, mosquitto read ${segment.pubacksRead.size}${segment.takenOver ? ', then closed it at a takeover' : ''}`,
    );
}
console.log(
  JSON.stringify({
    connections: connections.length,
    takeovers: segments.filter((s) => s.takenOver).length,
    pubacksUnread: unread,
    pubacksUnreadAtTakeover: unreadAtTakeover,
    qos1Sends,
    qos1ResentAfterItsPubackWasRead: resentAfterRead,
    ackUnreadByBroker: verdict.ackUnread.length,
  }),
);
