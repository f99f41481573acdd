/**
 * The receive path: turns the byte stream from the broker into validated MQTT 3.1.1 packets.
 *
 * The broker is untrusted input, so the decoder frames packets itself (instead of handing bytes to
 * mqtt-packet's parser) and validates each one against the rules a client must enforce. Framing
 * itself lets it refuse an oversized packet from its fixed header alone, never buffer more than
 * one packet, and hand out PUBLISH payloads as views into the received chunk without copying.
 */
import { InvalidArgumentError, ProtocolError, type SizeLimitError } from '../errors.js';
import { checkFirstByte, checkRemainingLength, decodeBody, type InboundPacket } from './decoderRules.js';
import { type Decoder, type FrameRules, StreamDecoder } from './framer.js';

export type { InboundPacket, InboundPublish } from './decoderRules.js';
export type { Decoder } from './framer.js';

/**
 * The largest packet MQTT 3.1.1 can express: a 1-byte type, a 4-byte remaining length, and the
 * largest remaining length, 268435455.
 */
export const MAX_PACKET_BYTES = 1 + 4 + 268_435_455;

/** Options of {@link createDecoder}. */
export interface DecoderOptions {
  /**
   * The largest packet accepted, in bytes, counting the fixed header. A larger packet is refused
   * from its fixed header, before its body is buffered. There is no "unlimited" value: the default
   * already is the largest packet the protocol can express. Must be an integer of at least 2.
   *
   * @default 268435460 ({@link MAX_PACKET_BYTES})
   */
  readonly maxPacketBytes?: number;
  /** Receives each valid packet, in stream order. */
  onPacket(packet: InboundPacket): void;
  /** Receives the first error; the decoder then ignores all input until {@link Decoder.reset}. */
  onError(error: ProtocolError | SizeLimitError): void;
}

/** The MQTT 3.1.1 rules of `decoderRules.ts`, as the framer's table: faults are messages. */
const RULES_311: FrameRules<InboundPacket, string> = {
  checkFirstByte,
  checkRemainingLength,
  decodeBody,
  isFault: (result): result is string => typeof result === 'string',
  varintTooLong: () => 'remaining length is longer than 4 bytes',
  toError: (message) => new ProtocolError(message),
};

/**
 * Creates a decoder for the byte stream of one connection.
 *
 * @param options - Callbacks and the packet size limit.
 * @returns The decoder.
 * @throws {@link InvalidArgumentError} when `maxPacketBytes` is not an integer of at least 2.
 */
export function createDecoder(options: DecoderOptions): Decoder {
  const limit = options.maxPacketBytes ?? MAX_PACKET_BYTES;
  if (!Number.isSafeInteger(limit) || limit < 2) {
    throw new InvalidArgumentError(`maxPacketBytes must be an integer of at least 2, got ${limit}`);
  }
  return new StreamDecoder(RULES_311, limit, options);
}
