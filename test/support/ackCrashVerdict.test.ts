/**
 * The crash test's sorting of re-deliveries (docs/spec.md R218), on made-up runs: which second
 * hand-overs are allowed, which are the broker's (PUBACK on the wire), and which fail the test.
 */
import { describe, expect, it } from 'vitest';
import { judgeHandOvers, type RunRecord } from './ackCrashVerdict.js';

const QOS = { q1: 1, q2: 2 };

/** A run that handed over and finished messages `a..b` of a topic, ids = payload. */
function run(
  n: number,
  handed: [string, number][],
  finished: [string, number][],
  acks: number[] = [],
): RunRecord {
  return {
    run: n,
    lines: [...handed.map(([t, p]) => `S ${t} ${p} #${p}`), ...finished.map(([t, p]) => `D ${t} ${p}`)],
    acksOnWire: new Set(acks),
  };
}

const range = (topic: string, from: number, to: number): [string, number][] =>
  Array.from({ length: to - from + 1 }, (_, i) => [topic, from + i]);

describe('judgeHandOvers (R218)', () => {
  it('allows a message the killed process had not finished, or finished among its last RECENT', () => {
    const first = run(1, range('q1', 1, 10), range('q1', 1, 8));
    const second = run(2, range('q1', 6, 10), []);
    const v = judgeHandOvers([first, second], 3, QOS);
    // 9 and 10 unfinished; 6, 7, 8 among the last 3 finishes.
    expect(v.unexplained).toEqual([]);
    expect(v.redelivered.q1).toBe(5);
  });

  it('fails a QoS 1 message finished long before the kill whose PUBACK never reached the wire', () => {
    const first = run(1, range('q1', 1, 10), range('q1', 1, 10));
    const v = judgeHandOvers([first, run(2, [['q1', 2]], [])], 3, QOS);
    expect(v.unexplained).toHaveLength(1);
    expect(v.unexplained[0]).toContain('q1 2 #2 (finished by run 1, 9 finishes from its end');
  });

  it("counts apart a QoS 1 message whose PUBACK left the client: the broker's re-send", () => {
    const first = run(1, range('q1', 1, 10), range('q1', 1, 10), [2]);
    const v = judgeHandOvers([first, run(2, [['q1', 2]], [])], 3, QOS);
    expect(v.unexplained).toEqual([]);
    expect(v.ackUnread).toHaveLength(1);
  });

  it('fails a QoS 2 message handed again after its PUBREC left: its finish was recorded first (R217)', () => {
    const first = run(1, range('q2', 1, 3), range('q2', 1, 3), [3]);
    const v = judgeHandOvers([first, run(2, [['q2', 3]], [])], 3, QOS);
    expect(v.ackUnread).toEqual([]);
    expect(v.unexplained).toHaveLength(1);
  });

  it('sorts a second hand-over in one process and a new packet id apart', () => {
    const first: RunRecord = {
      run: 1,
      lines: ['S q1 1 #1', 'S q1 1 #1', 'S q1 2 #2'],
      acksOnWire: new Set(),
    };
    const second: RunRecord = { run: 2, lines: ['S q1 2 #7'], acksOnWire: new Set() };
    const v = judgeHandOvers([first, second], 3, QOS);
    expect(v.sameProcess).toEqual(['q1 1 #1 (run 1)']);
    expect(v.renumbered).toEqual(['q1 2 #2 (run 1) then #7 (run 2)']);
  });
});

describe("judgeHandOvers with the client's trace (R356, R357)", () => {
  const connected = 'W connected to 127.0.0.1:1883 (sessionPresent=1)';
  const disconnected = 'W disconnected from 127.0.0.1:1883: ECONNRESET: reset';

  it('allows a message finished while its process had no connection, killed before it had one again (R356)', () => {
    const lines = [connected, ...range('q1', 1, 10).map(([t, p]) => `S ${t} ${p} #${p}`), disconnected];
    lines.push(...range('q1', 1, 10).map(([t, p]) => `D ${t} ${p}`));
    const first: RunRecord = { run: 1, lines, acksOnWire: new Set() };
    const v = judgeHandOvers([first, run(2, [['q1', 1]], [])], 3, QOS);
    expect(v.unexplained).toEqual([]);
    expect(v.heldWhileDown).toEqual([
      'q1 1 #1 (finished by run 1, 10 finishes from its end; handed again to run 2)',
    ]);
  });

  it('does not excuse a finish while down once the process connected again: the ack was due then (R216, R356)', () => {
    const lines = [connected, 'S q1 1 #1', disconnected, 'D q1 1', connected];
    lines.push(...range('q1', 2, 10).flatMap(([t, p]) => [`S ${t} ${p} #${p}`, `D ${t} ${p}`]));
    const first: RunRecord = { run: 1, lines, acksOnWire: new Set() };
    const v = judgeHandOvers([first, run(2, [['q1', 1]], [])], 3, QOS);
    expect(v.heldWhileDown).toEqual([]);
    expect(v.unexplained).toEqual([
      'q1 1 #1 (finished by run 1, 10 finishes from its end; handed again to run 2) ack never handed to the transport',
    ]);
  });

  it('says whether the client handed an unexplained ack to its transport (R357)', () => {
    const lines = [
      connected,
      ...range('q1', 1, 10).flatMap(([t, p]) => [`S ${t} ${p} #${p}`, `D ${t} ${p}`]),
    ];
    lines.push('W send PUBACK id=2');
    const first: RunRecord = { run: 1, lines, acksOnWire: new Set() };
    const v = judgeHandOvers([first, run(2, [['q1', 2]], [])], 3, QOS);
    expect(v.unexplained).toEqual([
      'q1 2 #2 (finished by run 1, 9 finishes from its end; handed again to run 2) ack handed to the transport',
    ]);
  });
});

describe('judgeHandOvers with the socket evidence (R357)', () => {
  const open = ['W transport open to 127.0.0.1:1883', 'W send CONNECT clientId="s" size=36', 'K 1.00 36 0'];
  const connected = 'W connected to 127.0.0.1:1883 (sessionPresent=1)';
  /** Messages 1..10 handled, each ack written to the socket on its own (4 bytes each). */
  const handled = range('q1', 1, 10).flatMap(([t, p]) => [
    `S ${t} ${p} #${p}`,
    `D ${t} ${p}`,
    `W send PUBACK id=${p}`,
    `K 2.00 4 0`,
  ]);
  const lines = [...open, connected, ...handled];

  it('allows an old finish whose ack was among the bytes the kernel still held at the kill', () => {
    // The tap parsed acks 1..2; 32 bytes (acks 3..10) were still in the kernel's send queue.
    const first: RunRecord = { run: 1, lines, acksOnWire: new Set([1, 2]), unsentAtKill: 32 };
    const v = judgeHandOvers([first, run(2, [['q1', 3]], [])], 3, QOS);
    expect(v.unexplained).toEqual([]);
    expect(v.stranded).toEqual([
      'q1 3 #3 (finished by run 1, 8 finishes from its end; handed again to run 2)',
    ]);
  });

  it('allows an ack the kernel delivered to the tap but the tap never read: lost at the reset, never forwarded', () => {
    // The tap read CONNECT and acks 1..2 (44 bytes); acks 3..9 were in its kernel, 10 in ours.
    const first: RunRecord = { run: 1, lines, acksOnWire: new Set([1, 2]), unsentAtKill: 4, tapRead: 44 };
    const v = judgeHandOvers(
      [
        first,
        run(
          2,
          [
            ['q1', 3],
            ['q1', 10],
          ],
          [],
        ),
      ],
      3,
      QOS,
    );
    expect(v.unexplained).toEqual([]);
    expect(v.stranded).toEqual([
      'q1 3 #3 (finished by run 1, 8 finishes from its end; handed again to run 2) unread by the tap',
      'q1 10 #10 (finished by run 1, 1 finishes from its end; handed again to run 2)',
    ]);
  });

  it('fails an ack whose bytes the tap read but never parsed', () => {
    const first: RunRecord = { run: 1, lines, acksOnWire: new Set([1, 2]), unsentAtKill: 0, tapRead: 76 };
    const v = judgeHandOvers([first, run(2, [['q1', 3]], [])], 3, QOS);
    expect(v.stranded).toEqual([]);
    expect(v.unexplained).toEqual([
      'q1 3 #3 (finished by run 1, 8 finishes from its end; handed again to run 2) ack read by the tap',
    ]);
  });

  it('has no evidence when the socket bytes do not add up: RECENT decides, as before', () => {
    const odd = [...lines, 'K 3.00 5 0'];
    const first: RunRecord = { run: 1, lines: odd, acksOnWire: new Set([1, 2]), unsentAtKill: 32 };
    const v = judgeHandOvers([first, run(2, [['q1', 3]], [])], 3, QOS);
    expect(v.stranded).toEqual([]);
    expect(v.unexplained).toEqual([
      'q1 3 #3 (finished by run 1, 8 finishes from its end; handed again to run 2) ack handed to the transport',
    ]);
  });

  it("counts an ack handed to the transport after the socket's last write as stranded (it never left Node)", () => {
    // Killed right after: in Node's buffer, before the end of that synchronous run.
    const unflushed = [...lines, 'S q1 11 #11', 'D q1 11', 'W send PUBACK id=11'];
    const first: RunRecord = {
      run: 1,
      lines: unflushed,
      acksOnWire: new Set(range('q1', 1, 10).map(([, p]) => p)),
      unsentAtKill: 0,
    };
    const v = judgeHandOvers([first, run(2, [['q1', 11]], [])], 0, QOS);
    expect(v.stranded).toHaveLength(1);
    expect(v.unexplained).toEqual([]);
  });

  it('fails an ack handed to the transport and not written to the socket when a later handler finished', () => {
    const stuck = [...lines, 'S q1 11 #11', 'S q1 12 #12', 'D q1 11', 'W send PUBACK id=11', 'D q1 12'];
    const wire = new Set(range('q1', 1, 10).map(([, p]) => p));
    const first: RunRecord = { run: 1, lines: stuck, acksOnWire: wire, unsentAtKill: 0, tapRead: 76 };
    const v = judgeHandOvers([first, run(2, [['q1', 11]], [])], 3, QOS);
    expect(v.stranded).toEqual([]);
    expect(v.unexplained).toEqual([
      'q1 11 #11 (finished by run 1, 2 finishes from its end; handed again to run 2) ack not written to the socket by the next finish',
    ]);
  });
});
