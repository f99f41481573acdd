/**
 * Reads what one subscriber process of the acknowledge-after-processing crash test printed
 * (test/support/crashSubscriber.ts) for the verdict (test/support/ackCrashVerdict.ts): the order
 * its handlers finished in, whether it had a connection at each finish, which acks the client
 * handed its transport (`W` lines), and which of those never left the process: with the bytes
 * its socket took (`K` lines) and the bytes the kernel still held at the kill (R357).
 *
 * @module
 */

/** What one process's `D`, `W` and `K` lines say. */
export interface RunTrace {
  /** Per finished message: its place in the finish order, and whether it had a connection then. */
  readonly finishes: Map<string, { at: number; down: boolean }>;
  /** Packet ids of the PUBACK and PUBREC packets the client handed to its transport. */
  readonly written: Set<number>;
  /**
   * Packet ids of PUBACK and PUBREC packets that never reached the broker: handed to the transport
   * after the last byte the tap read (in Node's buffer, in the kernel, or unread by the tap when the
   * connection reset). Undefined without the evidence (no `K` lines, no kernel or tap count, or
   * byte counts that do not add up).
   */
  readonly stranded: Set<number> | undefined;
  /** Of `stranded`, those the peer's kernel had but the tap never read (lost at the reset). */
  readonly unread: Set<number> | undefined;
  /**
   * Acks handed to the transport and still not written to the socket when a later handler
   * finished: the transport writes at the end of each synchronous run, and a finish is a later
   * one, so this is the client holding bytes it should have written (the verdict fails on it).
   */
  readonly unflushed: Set<number>;
  /** Whether `stranded` starts after what the tap read, or (without its count) what the peer's kernel had. */
  readonly boundary: 'tap' | 'kernel';
  /** The process printed its trace (`W` lines); older records have none. */
  readonly traced: boolean;
  /** The finish count when it last printed `W connected`: later finishes while down had no connection after them. */
  readonly lastConnectedAt: number;
}

const WRITTEN = /^W send (\w+)(?: id=(\d+))?(?:.* size=(\d+))?/;
/** Bytes of the packets the trace gives no size for (MQTT 3.1.1): the acks, PINGREQ, DISCONNECT. */
const FIXED_SIZE: Readonly<Record<string, number>> = {
  PUBACK: 4,
  PUBREC: 4,
  PUBREL: 4,
  PUBCOMP: 4,
  PINGREQ: 2,
  DISCONNECT: 2,
};

/**
 * Reads a process's lines.
 * @param lines - Its stdout lines.
 * @param unsentAtKill - Bytes of its socket the kernel had not had acknowledged by the peer right
 *   before the kill (Send-Q); undefined when not read.
 * @param tapRead - Bytes the wire tap read from its connection (all it parsed and forwarded).
 */
export function traceOf(lines: readonly string[], unsentAtKill?: number, tapRead?: number): RunTrace {
  const finishes = new Map<string, { at: number; down: boolean }>();
  const written = new Set<number>();
  // Every packet handed to the transport, in order, with its size, and the bytes handed by then.
  const packets: { ack: number | undefined; end: number }[] = [];
  let handed = 0;
  let sized = true;
  let socketBytes = 0;
  let handedAtLastWrite = 0;
  let pendingInNode = 0;
  let traced = false;
  let lastConnectedAt = -1;
  let down = true;
  let transports = 0;
  const unflushed = new Set<number>();
  let notYetWritten: number[] = [];
  for (const line of lines) {
    if (line.startsWith('D ')) {
      finishes.set(line.slice(2), { at: finishes.size, down });
      for (const id of notYetWritten) unflushed.add(id);
      notYetWritten = [];
      continue;
    }
    if (line.startsWith('K ')) {
      notYetWritten = [];
      const [, , bytes = '0', left = '0'] = line.split(' ');
      socketBytes += Number(bytes);
      pendingInNode = Number(left);
      handedAtLastWrite = handed;
      continue;
    }
    if (!line.startsWith('W ')) continue;
    traced = true;
    if (line.startsWith('W transport open ')) transports++;
    const packet = WRITTEN.exec(line);
    if (packet !== null) {
      const [, name = '', id, size] = packet;
      const bytes = size === undefined ? FIXED_SIZE[name] : Number(size);
      if (bytes === undefined) sized = false;
      handed += bytes ?? 0;
      const ack = (name === 'PUBACK' || name === 'PUBREC') && id !== undefined ? Number(id) : undefined;
      if (ack !== undefined) {
        written.add(ack);
        notYetWritten.push(ack);
      }
      packets.push({ ack, end: handed });
      // The lifecycle's own lines tell the state: a transport line can be an old connection closing late.
    } else if (line.startsWith('W connected to ')) {
      down = false;
      lastConnectedAt = finishes.size;
    } else if (line.startsWith('W disconnected from ')) down = true;
  }
  let stranded: Set<number> | undefined;
  let unread: Set<number> | undefined;
  // One connection (the kernel's count is of the last socket), whose socket took exactly what was
  // handed over before its last write; else the sizes are not known and there is no evidence.
  const consistent = transports === 1 && sized && socketBytes > 0 && socketBytes === handedAtLastWrite;
  if (consistent && (unsentAtKill !== undefined || tapRead !== undefined)) {
    // What the peer's kernel can have had: the socket's bytes, less what Node still buffered at
    // its last write (an upper bound: it may have gone since) and what the kernel still held.
    const reached = socketBytes - pendingInNode - (unsentAtKill ?? 0);
    // What went on to the broker: only what the tap read. A tap that writes to a client which has
    // just reset fails, and Node closes the socket with what it had not read yet (R357).
    const forwarded = Math.min(reached, tapRead ?? reached);
    const beyond = (from: number) =>
      new Set(packets.filter((p) => p.ack !== undefined && p.end > from).map((p) => p.ack as number));
    stranded = beyond(forwarded);
    unread = new Set([...stranded].filter((id) => !beyond(reached).has(id)));
  }
  const boundary = tapRead === undefined ? 'kernel' : 'tap';
  return { finishes, written, stranded, unread, unflushed, boundary, traced, lastConnectedAt };
}
