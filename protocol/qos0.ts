/**
 * QoS 0 publishing: never queued, written straight into the transport when connected, dropped
 * when not; its `done` waits until its bytes are handed to the operating system (spec R54), and
 * it is dropped while the transport holds more than `maxBufferedBytes` (spec R56). QoS >= 1 is
 * {@link OutboundFlow}'s.
 *
 * @module
 */
import { MessageDroppedError, NotConnectedError } from '../errors.js';
import { encodePublish, encodePublishInto, publishSize } from './encode.js';
import {
  dropUnsent,
  type PublishCallback,
  type PublishResult,
  RESERVE_FULL,
  type SessionIO,
  settle,
} from './sessionTypes.js';

// Shared results, so a QoS 0 publish allocates nothing but its packet.
/** A QoS 0 publish written, the transport below its high-water mark. */
export const SENT: PublishResult = Object.freeze({ packetId: 0, disposition: 'sent', writable: true });
/** A QoS 0 publish written, the transport now at its high-water mark (spec R55). */
export const SENT_FULL: PublishResult = Object.freeze({ packetId: 0, disposition: 'sent', writable: false });
const DROPPED: PublishResult = Object.freeze({ packetId: 0, disposition: 'dropped', writable: true });
const DROPPED_FULL: PublishResult = Object.freeze({ packetId: 0, disposition: 'dropped', writable: false });

/**
 * Drops a QoS 0 publish made while disconnected (event `drop`/`offline`).
 * @returns The shared `dropped` result.
 */
export function dropOffline(io: SessionIO, topic: string, done: PublishCallback | undefined): PublishResult {
  dropUnsent(io, 'offline', topic, 0, done, new NotConnectedError());
  return DROPPED;
}

/**
 * Drops a QoS 0 publish made while the transport holds more than `maxBufferedBytes` (event
 * `drop`/`buffer-full`, spec R56).
 * @returns The shared `dropped` result, not writable.
 */
export function dropBufferFull(
  io: SessionIO,
  topic: string,
  maxBufferedBytes: number,
  done: PublishCallback | undefined,
): PublishResult {
  const error = new MessageDroppedError(
    'QUEUE_FULL',
    `the transport holds more than ${maxBufferedBytes} bytes`,
  );
  dropUnsent(io, 'buffer-full', topic, 0, done, error);
  return DROPPED_FULL;
}

/** Completes a QoS 0 publish once its bytes are handed to the operating system (spec R54). */
export function settleWhenFlushed(io: SessionIO, topic: string, done: PublishCallback): void {
  if (io.whenFlushed === undefined) {
    settle(done, undefined, io);
    return;
  }
  io.whenFlushed((flushed) => {
    if (flushed) {
      settle(done, undefined, io);
      return;
    }
    dropUnsent(
      io,
      'offline',
      topic,
      0,
      done,
      new MessageDroppedError('MESSAGE_DROPPED', 'the connection closed before the message was written'),
    );
  });
}

/**
 * QoS 0 straight into the transport's buffer when it offers one: no allocation, no copy.
 * Otherwise (no zero-copy transport, or none open) the packet goes through `write`.
 * @returns Whether the transport is now at its high-water mark (spec R55).
 */
export function writeQos0(
  io: SessionIO,
  topic: Uint8Array,
  payload: Uint8Array | string,
  size: number,
  retain: boolean,
): boolean {
  const at = io.reserve?.(publishSize(topic.length, size, 0)) ?? -1;
  const buffer = io.outBuffer;
  if (at < 0 || buffer === undefined) {
    io.write(encodePublish(topic, payload, 0, retain, false, 0, size));
    return io.needsDrain?.() === true;
  }
  const full = at >= RESERVE_FULL;
  encodePublishInto(
    buffer,
    full ? at - RESERVE_FULL : at,
    topic,
    topic.length,
    payload,
    size,
    0,
    retain,
    false,
    0,
  );
  return full;
}
