/**
 * Admission of a QoS >= 1 publish to the outbound queue (spec R83, R85): whether it fits the
 * queue's bounds, what `drop-oldest` evicts to make it fit, and which bound it does not fit in.
 * What a publish that finds no room gets is decided in `outbound.ts`.
 */
import { MessageDroppedError } from '../errors.js';
import type { OutboundState } from './outboundState.js';

/** Whether a message of `size` bytes fits the queue as it is. */
function fits(s: OutboundState, size: number): boolean {
  const { maxQueueLength, maxQueueBytes } = s.options;
  return s.queueLength < maxQueueLength && s.queueBytes + size <= maxQueueBytes;
}

/**
 * Makes room in the queue for a new message of `size` bytes, evicting queued ones under
 * `drop-oldest`; false when there is none to make (the message is then refused).
 */
export function makeRoom(s: OutboundState, size: number): boolean {
  const { maxQueueLength, maxQueueBytes } = s.options;
  if (maxQueueLength === 0) {
    return s.connected && s.hasSlot() && s.inflightBytes + size <= maxQueueBytes;
  }
  if (fits(s, size)) return true;
  if (s.options.overflow !== 'drop-oldest') return false;
  // In-flight messages are never evicted (their ids are live on this connection), so check
  // first that evicting every queued message would be enough, and evict nothing in vain.
  if (s.inflight.size >= maxQueueLength || s.inflightBytes + size > maxQueueBytes) return false;
  const why = `dropped to make room for a newer message (overflow 'drop-oldest'): ${fullReason(s, size)}`;
  while (!fits(s, size)) {
    const oldest = s.pending.shift();
    if (oldest === undefined) break;
    s.discard(oldest, 'overflow', new MessageDroppedError('QUEUE_FULL', why), true);
  }
  return true;
}

/** Which bound a message of `size` bytes does not fit in, with the option that sets it (R83). */
export function fullReason(s: OutboundState, size: number): string {
  const { maxQueueLength, maxQueueBytes, maxInflight, maxInflightQos2 } = s.options;
  if (maxQueueLength === 0) {
    if (!s.hasSlot()) {
      const window =
        s.windowCount >= maxInflight
          ? `session.maxInflight = ${maxInflight}`
          : `session.maxInflightQos2 = ${maxInflightQos2}`;
      return `the queue is disabled (session.maxQueueLength = 0) and the in-flight window is full (${window})`;
    }
    return `the queue is disabled (session.maxQueueLength = 0) and ${s.inflightBytes} bytes in flight + ${size} exceed session.maxQueueBytes = ${maxQueueBytes}`;
  }
  if (s.queueLength >= maxQueueLength)
    return `the queue holds session.maxQueueLength = ${maxQueueLength} messages`;
  return `${s.queueBytes} bytes queued + ${size} exceed session.maxQueueBytes = ${maxQueueBytes}`;
}
