/**
 * What the kernel holds of a loopback socket, for the acknowledge-after-processing crash test's
 * post-mortem (docs/spec.md R357): a process SIGKILLed with unread input resets its connection,
 * and the kernel drops whatever it had not yet had acknowledged by the peer. Linux only.
 *
 * @module
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * The bytes the kernel has not had acknowledged by the peer (tx_queue in /proc/net/tcp) on the one
 * established IPv4 socket whose peer is `port`. Cheap enough to read right before every kill.
 * @param port - The peer's port (the wire tap's).
 * @returns Undefined if there is not exactly one such socket, or no /proc (not Linux).
 */
export function unsentTo(port: number): number | undefined {
  let table: string;
  try {
    table = readFileSync('/proc/net/tcp', 'utf8');
  } catch {
    return undefined;
  }
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const queues = table
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    // Fields: sl, local address, remote address, state (01 established), tx_queue:rx_queue.
    .filter((f) => f[2]?.endsWith(`:${hex}`) && f[3] === '01')
    .map((f) => Number.parseInt(f[4]?.split(':')[0] ?? '', 16));
  return queues.length === 1 ? queues[0] : undefined;
}

/**
 * `ss -tin` of the established sockets whose peer is `port`: Send-Q, unacked and not-sent segments,
 * retransmits. A process spawn per call: for traced runs only.
 * @param port - The peer's port.
 */
export function socketsTo(port: number): string {
  try {
    return execFileSync('ss', ['-tinH', 'state', 'established', 'dport', '=', `:${port}`], {
      encoding: 'utf8',
      timeout: 2000,
    });
  } catch (error) {
    return `ss failed: ${String(error)}`;
  }
}
