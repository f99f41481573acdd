/**
 * MQTT 5 message properties as the client's users give and get them (spec R290-R294): checking
 * what a publish asks for, writing it into the session's PUBLISH on its way out, and reading what
 * a received PUBLISH carried. The session keeps 3.1.1 bytes (R238); this file turns one of them
 * into the MQTT 5 PUBLISH with a property block, the remaining Message Expiry Interval included.
 */
import { InvalidArgumentError } from '../../errors.js';
import { checkString, toBytes } from '../connect.js';
import { alloc, utf8Text, varintSize, writeVarint } from '../encodeBytes.js';
import { validateTopicName } from '../topics.js';
import type { ReceivedProperties } from '../v5Shapes.js';
import type { OutboundPublishProperties } from './encode.js';
import type { PublishProperties, UserProperty } from './properties.js';
import { blockSize, propertiesSize, writeProperties } from './propertyCodec.js';

export type { ReceivedProperties } from '../v5Shapes.js';

/** The MQTT 5 properties of a publish (3.3.2.3). Every one left out is left out of the PUBLISH. */
export interface MessageProperties {
  /** User Properties: name/value pairs, in order, repeats kept. @default none */
  readonly userProperties?: readonly UserProperty[];
  /** Content Type, a MIME-like description (`application/json`). @default none */
  readonly contentType?: string;
  /**
   * Payload Format Indicator: `true` says the payload is UTF-8 text, and a payload that is not is
   * an `InvalidArgumentError` (R292). @default none (unspecified bytes)
   */
  readonly payloadFormatIndicator?: boolean;
  /**
   * Message Expiry Interval in seconds (1-4294967295): a message still queued that long after it
   * was accepted is dropped, never sent; one sent later carries what is left (R291). @default none
   */
  readonly messageExpiryInterval?: number;
  /** Response Topic of a request: a topic name, no wildcards. @default none */
  readonly responseTopic?: string;
  /** Correlation Data matching a response to its request. A string is sent as UTF-8. @default none */
  readonly correlationData?: Uint8Array | string;
}

const UINT32 = 0xffff_ffff;

/**
 * Checks a publish's properties against its payload and turns them into what the encoder writes
 * (R290, R292): strings as MQTT strings, Correlation Data as a private copy, a Response Topic as a
 * topic name, Message Expiry Interval 1-4294967295.
 * @param props - The user's properties.
 * @param payload - The payload, checked when the indicator says UTF-8.
 * @returns The properties to write.
 * @throws {@link InvalidArgumentError} on a bad value or a payload that is not the UTF-8 it says;
 *   {@link InvalidTopicError} on a bad Response Topic.
 */
export function checkMessageProperties(
  props: MessageProperties,
  payload: Uint8Array | string,
): OutboundPublishProperties {
  const out: { -readonly [K in keyof OutboundPublishProperties]: OutboundPublishProperties[K] } = {};
  const expiry = props.messageExpiryInterval;
  if (expiry !== undefined) {
    if (!Number.isInteger(expiry) || expiry < 1 || expiry > UINT32) {
      throw new InvalidArgumentError(
        `properties.messageExpiryInterval must be an integer from 1 to ${UINT32}, got ${expiry}`,
      );
    }
    out.messageExpiryInterval = expiry;
  }
  if (props.contentType !== undefined) {
    checkString('properties.contentType', props.contentType);
    out.contentType = props.contentType;
  }
  if (props.responseTopic !== undefined) {
    validateTopicName(props.responseTopic);
    out.responseTopic = props.responseTopic;
  }
  if (props.correlationData !== undefined) {
    out.correlationData = toBytes('properties.correlationData', props.correlationData);
  }
  if (props.userProperties !== undefined) {
    for (const pair of props.userProperties) {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new InvalidArgumentError('properties.userProperties must be [name, value] pairs');
      }
      checkString('properties.userProperties name', pair[0]);
      checkString('properties.userProperties value', pair[1]);
    }
    out.userProperties = props.userProperties.map(([k, v]) => [k, v] as const);
  }
  const format = props.payloadFormatIndicator;
  if (format !== undefined) {
    if (typeof format !== 'boolean') {
      throw new InvalidArgumentError('properties.payloadFormatIndicator must be a boolean');
    }
    // R292 [MQTT-3.3.2-4 sender side]: what says it is UTF-8 must be; a string always is.
    if (format && typeof payload !== 'string' && utf8Text(payload) === undefined) {
      throw new InvalidArgumentError(
        'the payload is not well-formed UTF-8, but properties.payloadFormatIndicator says it is',
      );
    }
    out.payloadFormatIndicator = format;
  }
  return out;
}

/** A Topic Alias for {@link publishWithProperties}: the alias, and whether the broker knows it. */
export interface PublishAlias {
  /** The alias (1-65535). */
  readonly alias: number;
  /** Whether the broker already maps the alias to this topic: the topic name is sent empty. */
  readonly known: boolean;
}

/**
 * The MQTT 5 form of a PUBLISH the session encoded for 3.1.1, with `props` as its property
 * block (R290), and a Topic Alias in that same block when `alias` is given (R250, R305). The
 * input must be one whole, valid 3.1.1 PUBLISH (the session's encoders made it).
 * @param packet - A 3.1.1 PUBLISH.
 * @param props - The properties (a Message Expiry Interval already the remaining one).
 * @param alias - The Topic Alias to add. @default none
 * @returns The MQTT 5 PUBLISH.
 */
export function publishWithProperties(
  packet: Uint8Array,
  props: OutboundPublishProperties,
  alias?: PublishAlias,
): Uint8Array {
  const first = packet[0] as number;
  let remaining = 0;
  let at = 1;
  for (let shift = 0; ; shift += 7) {
    const byte = packet[at++] as number;
    remaining += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) break;
  }
  const topicLength = ((packet[at] as number) << 8) | (packet[at + 1] as number);
  const idBytes = ((first >> 1) & 3) > 0 ? 2 : 0;
  const header = 2 + topicLength + idBytes;
  const block: PublishProperties = alias === undefined ? props : { ...props, topicAlias: alias.alias };
  // A known alias stands for the topic: the name goes out empty (3.3.2.3.4).
  const dropped = alias?.known === true ? topicLength : 0;
  const length = propertiesSize(block, 'PUBLISH');
  const grown = remaining - dropped + blockSize(length);
  const out = alloc(1 + varintSize(grown) + grown);
  out[0] = first;
  let o = writeVarint(out, 1, grown);
  if (dropped === 0) {
    out.set(packet.subarray(at, at + header), o);
    o += header;
  } else {
    out[o++] = 0;
    out[o++] = 0;
    out.set(packet.subarray(at + 2 + topicLength, at + header), o);
    o += idBytes;
  }
  const after = writeProperties(out, o, block, 'PUBLISH', length);
  out.set(packet.subarray(at + header), after);
  return out;
}

/**
 * The packet id of a 3.1.1 PUBLISH (0 for QoS 0).
 * @param packet - A whole PUBLISH.
 * @returns Its packet id.
 */
export function publishPacketId(packet: Uint8Array): number {
  const first = packet[0] as number;
  if (((first >> 1) & 3) === 0) return 0;
  let at = 1;
  while (((packet[at++] as number) & 0x80) !== 0) {}
  const topicLength = ((packet[at] as number) << 8) | (packet[at + 1] as number);
  const id = at + 2 + topicLength;
  return ((packet[id] as number) << 8) | (packet[id + 1] as number);
}

/**
 * What a received PUBLISH's properties say to the user (R293), or `undefined` when it had none.
 * @param p - The decoded properties.
 * @returns The message's properties.
 */
export function receivedProperties(p: PublishProperties | undefined): ReceivedProperties | undefined {
  if (p === undefined) return undefined;
  const out: { -readonly [K in keyof ReceivedProperties]: ReceivedProperties[K] } = {};
  if (p.userProperties !== undefined) out.userProperties = p.userProperties;
  if (p.contentType !== undefined) out.contentType = p.contentType;
  if (p.payloadFormatIndicator !== undefined) out.payloadFormatIndicator = p.payloadFormatIndicator;
  if (p.messageExpiryInterval !== undefined) out.messageExpiryInterval = p.messageExpiryInterval;
  if (p.responseTopic !== undefined) out.responseTopic = p.responseTopic;
  if (p.correlationData !== undefined) out.correlationData = p.correlationData;
  if (p.subscriptionIdentifier !== undefined) out.subscriptionIdentifiers = p.subscriptionIdentifier;
  return out;
}

/**
 * Whether a received payload breaks its Payload Format Indicator (R294): it says UTF-8 and is not.
 * @param payload - The payload.
 * @param p - The PUBLISH's properties.
 * @returns True when the payload is not the UTF-8 it says it is.
 */
export function payloadFormatInvalid(payload: Uint8Array, p: PublishProperties | undefined): boolean {
  return p?.payloadFormatIndicator === true && utf8Text(payload) === undefined;
}
