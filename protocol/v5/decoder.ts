/**
 * The MQTT 5 receive path: the framing shared with 3.1.1 (`../framer.ts`) over the rules of
 * `decodeRules.ts`. A 3.1.1 connection never loads this module's rules, and the 3.1.1 decoder
 * has no branch for version 5.
 */
import {
  InvalidArgumentError,
  type ProtocolError,
  ProtocolViolationError,
  SizeLimitError,
} from '../../errors.js';
import { MAX_PACKET_BYTES } from '../decoder.js';
import { type Decoder, type FrameRules, StreamDecoder } from '../framer.js';
import { checkFirstByteV5, checkRemainingLengthV5, decodeBodyV5 } from './decodeRules.js';
import { encodeDisconnectV5 } from './encode.js';
import type { V5InboundPacket } from './packets.js';
import { violation } from './reader.js';
import { MALFORMED_PACKET, PACKET_TOO_LARGE, PROTOCOL_ERROR } from './reasonCodes.js';

/** The MQTT 5 rules as the framer's table: faults are the violations themselves. */
const RULES_V5: FrameRules<V5InboundPacket, ProtocolViolationError> = {
  checkFirstByte: checkFirstByteV5,
  checkRemainingLength: checkRemainingLengthV5,
  decodeBody: decodeBodyV5,
  isFault: (result): result is ProtocolViolationError => result instanceof ProtocolViolationError,
  varintTooLong: () =>
    violation(
      MALFORMED_PACKET,
      'remaining length is a Variable Byte Integer longer than 4 bytes [MQTT-1.5.5-1]',
    ),
  toError: (fault) => fault,
};

/** Options of {@link createV5Decoder}. */
export interface V5DecoderOptions {
  /**
   * The largest packet accepted, in bytes, counting the fixed header: the Maximum Packet Size the
   * client announced in its CONNECT. A larger packet is refused from its fixed header with a
   * `SizeLimitError` (DISCONNECT reason 0x95, see {@link disconnectReasonFor}). Must be an integer
   * of at least 2.
   *
   * @default 268435460 (the largest packet the protocol can express)
   */
  readonly maxPacketBytes?: number;
  /** Receives each valid packet, in stream order. */
  onPacket(packet: V5InboundPacket): void;
  /** Receives the first error; the decoder then ignores all input until {@link Decoder.reset}. */
  onError(error: ProtocolError | SizeLimitError): void;
}

/**
 * Creates an MQTT 5 decoder for the byte stream of one connection (spec R143).
 *
 * @param options - Callbacks and the packet size limit.
 * @returns The decoder.
 * @throws {@link InvalidArgumentError} when `maxPacketBytes` is not an integer of at least 2.
 */
export function createV5Decoder(options: V5DecoderOptions): Decoder {
  const limit = options.maxPacketBytes ?? MAX_PACKET_BYTES;
  if (!Number.isSafeInteger(limit) || limit < 2) {
    throw new InvalidArgumentError(`maxPacketBytes must be an integer of at least 2, got ${limit}`);
  }
  return new StreamDecoder(RULES_V5, limit, options);
}

/**
 * The reason code of the DISCONNECT a client sends after a decoder error (spec R146): the
 * violation's own, 0x95 (Packet too large) for a packet above the client's Maximum Packet Size,
 * 0x82 (Protocol Error) for any other protocol error.
 *
 * @param error - What a decoder reported.
 * @returns The reason code.
 */
export function disconnectReasonFor(error: ProtocolError | SizeLimitError): number {
  if (error instanceof ProtocolViolationError) return error.reasonCode;
  if (error instanceof SizeLimitError) return PACKET_TOO_LARGE;
  return PROTOCOL_ERROR;
}

/**
 * The DISCONNECT a client sends after a decoder error, before it closes the socket (spec R140):
 * the reason code of {@link disconnectReasonFor}, and the error's message as the Reason String
 * when `withReasonString` (off by default: the broker's Maximum Packet Size may be small).
 *
 * @param error - What a decoder reported.
 * @param withReasonString - Whether to send the message along.
 * @returns The encoded DISCONNECT.
 */
export function encodeDisconnectFor(
  error: ProtocolError | SizeLimitError,
  withReasonString = false,
): Uint8Array {
  const reasonCode = disconnectReasonFor(error);
  return withReasonString
    ? encodeDisconnectV5(reasonCode, { reasonString: error.message })
    : encodeDisconnectV5(reasonCode);
}
