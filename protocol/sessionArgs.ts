/**
 * The checks a session applies to arguments from untyped callers before it keeps anything.
 *
 * @module
 */
import { InvalidArgumentError, SizeLimitError } from '../errors.js';
import type { QoS } from './encode.js';
import { utf8ByteLength } from './encodeBytes.js';

/**
 * Checks a QoS argument from untyped callers.
 * @param qos - The value.
 * @throws {@link InvalidArgumentError} unless it is 0, 1 or 2.
 */
export function checkQos(qos: number): asserts qos is QoS {
  if (qos !== 0 && qos !== 1 && qos !== 2)
    throw new InvalidArgumentError(`qos must be 0, 1 or 2, got ${qos}`);
}

/**
 * The byte size of a payload, checked against the session's limit.
 * @param payload - Bytes, or a string sent as UTF-8.
 * @param maxPayloadBytes - The `session.maxPayloadBytes` option.
 * @returns The payload's size in bytes.
 * @throws {@link InvalidArgumentError} for a payload of another type; {@link SizeLimitError}
 *   `PAYLOAD_TOO_LARGE` above `maxPayloadBytes`.
 */
export function payloadSize(payload: Uint8Array | string, maxPayloadBytes: number): number {
  let size: number;
  if (typeof payload === 'string') size = utf8ByteLength(payload);
  else if (payload instanceof Uint8Array) size = payload.length;
  else throw new InvalidArgumentError('payload must be a Uint8Array or a string');
  if (size > maxPayloadBytes) {
    throw new SizeLimitError('PAYLOAD_TOO_LARGE', size, maxPayloadBytes, 'session.maxPayloadBytes');
  }
  return size;
}
