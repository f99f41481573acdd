/**
 * The MQTT 5 codec against mqtt-packet's: arbitraries in our shapes, and conversions between our
 * shapes and mqtt-packet's (user properties as an object of names, binary data as Buffers, one
 * Subscription Identifier as a number, SUBACK codes as `granted`).
 */
import fc from 'fast-check';
import * as mqtt from 'mqtt-packet';
import { expect } from 'vitest';
import type { ProtocolError, SizeLimitError } from '../../errors.js';
import { createV5Decoder } from '../../protocol/v5/decoder.js';
import type { V5InboundPacket } from '../../protocol/v5/packets.js';
import type { Properties, UserProperty } from '../../protocol/v5/properties.js';
import { REASON_CODES, type ReasonPacket } from '../../protocol/v5/reasonCodes.js';
import { pushChunked } from './decoding.js';

/** What a v5 decoder emitted. */
export type V5Event = { packet: V5InboundPacket } | { error: ProtocolError | SizeLimitError };

/** Decodes `stream` cut into chunks whose sizes cycle through `sizes` (one chunk when empty). */
export function decodeV5(
  stream: Uint8Array,
  sizes: readonly number[] = [],
  maxPacketBytes?: number,
): V5Event[] {
  const events: V5Event[] = [];
  const decoder = createV5Decoder({
    ...(maxPacketBytes === undefined ? {} : { maxPacketBytes }),
    onPacket: (packet) => events.push({ packet }),
    onError: (error) => events.push({ error }),
  });
  pushChunked(decoder, stream, sizes);
  return events;
}

/** Parses `bytes` with mqtt-packet as MQTT 5; returns its packets, or its error message. */
export function mqttParse(bytes: Uint8Array): mqtt.Packet[] | string {
  const parser = mqtt.parser({ protocolVersion: 5 });
  const packets: mqtt.Packet[] = [];
  let error: string | undefined;
  parser.on('packet', (p) => packets.push(p));
  parser.on('error', (e: Error) => {
    error ??= e.message;
  });
  parser.parse(Buffer.from(bytes));
  return error ?? packets;
}

/** Deep copy with every byte array as a plain number list, so Buffers and Uint8Arrays compare equal. */
export function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return Array.from(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, plain(v)]),
    );
  }
  return value;
}

/** User properties grouped by name in order of first appearance: what survives mqtt-packet's object. */
export function grouped(pairs: readonly UserProperty[]): UserProperty[] {
  const names = [...new Set(pairs.map(([n]) => n))];
  return names.flatMap((n) => pairs.filter(([m]) => m === n));
}

/** Our properties in mqtt-packet's shape. */
export function toMqttProps(props: Properties): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(props)) {
    if (name === 'userProperties') {
      const obj: Record<string, string | string[]> = {};
      for (const [n, v] of value as UserProperty[]) {
        const had = obj[n];
        obj[n] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
      }
      out[name] = obj;
    } else if (name === 'subscriptionIdentifier') {
      const ids = value as number[];
      out[name] = ids.length === 1 ? ids[0] : ids;
    } else out[name] = value instanceof Uint8Array ? Buffer.from(value) : value;
  }
  return out;
}

/** mqtt-packet's properties in our shape. */
export function fromMqttProps(props: Record<string, unknown>): Properties {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(props)) {
    if (name === 'userProperties') {
      out[name] = Object.entries(value as Record<string, string | string[]>).flatMap(([n, v]) =>
        (Array.isArray(v) ? v : [v]).map((one) => [n, one]),
      );
    } else if (name === 'subscriptionIdentifier') out[name] = Array.isArray(value) ? value : [value];
    else out[name] = value;
  }
  return out as Properties;
}

/** Strings MQTT can carry: well-formed UTF-8 without U+0000 [MQTT-1.5.4-1, MQTT-1.5.4-2]. */
export const text = (maxLength = 8): fc.Arbitrary<string> =>
  fc
    .string({ unit: 'binary', maxLength })
    .filter((t) => !t.includes('\u0000') && Buffer.from(t).toString() === t);

/** A topic name: non-empty, no wildcards. */
export const topicName = text(10).filter((t) => t.length > 0 && !/[+#]/.test(t));

/**
 * User properties with names grouped (see {@link grouped}), names from a small alphabet. Values
 * are never empty: mqtt-packet 9.0.2's parser tests a repeated name's earlier value for truth,
 * so a second value after an empty one replaces it instead of joining it.
 */
export const userProperties: fc.Arbitrary<UserProperty[]> = fc
  .array(
    fc.tuple(
      fc.stringMatching(/^[a-c]{1,2}$/),
      text(5).filter((v) => v !== ''),
    ),
    { maxLength: 4 },
  )
  .map((pairs) => grouped(pairs.map(([n, v]) => [n, v] as const)));

const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const bytes = fc.uint8Array({ maxLength: 6 });

/** Arbitraries of every property's valid values, by name. */
export const PROPERTY_VALUES: {
  readonly [K in keyof Properties]-?: fc.Arbitrary<NonNullable<Properties[K]>>;
} = {
  payloadFormatIndicator: fc.boolean(),
  messageExpiryInterval: u32,
  contentType: text(),
  responseTopic: topicName,
  correlationData: bytes,
  subscriptionIdentifier: fc.array(fc.integer({ min: 1, max: 268_435_455 }), { minLength: 1, maxLength: 3 }),
  sessionExpiryInterval: u32,
  assignedClientIdentifier: text(),
  serverKeepAlive: u16,
  authenticationMethod: text(),
  authenticationData: bytes,
  requestProblemInformation: fc.boolean(),
  willDelayInterval: u32,
  requestResponseInformation: fc.boolean(),
  responseInformation: text(),
  serverReference: text(),
  reasonString: text(),
  receiveMaximum: fc.integer({ min: 1, max: 0xffff }),
  topicAliasMaximum: u16,
  topicAlias: fc.integer({ min: 1, max: 0xffff }),
  maximumQoS: fc.constantFrom(0 as const, 1 as const),
  retainAvailable: fc.boolean(),
  userProperties: userProperties.filter((p) => p.length > 0),
  maximumPacketSize: fc.integer({ min: 1, max: 0xffff_ffff }),
  wildcardSubscriptionAvailable: fc.boolean(),
  subscriptionIdentifiersAvailable: fc.boolean(),
  sharedSubscriptionAvailable: fc.boolean(),
};

/** The properties a CONNACK may carry besides those of enhanced authentication (MQTT 5 3.2.2.3). */
export const CONNACK_PROPERTIES = [
  'sessionExpiryInterval',
  'receiveMaximum',
  'maximumQoS',
  'retainAvailable',
  'maximumPacketSize',
  'assignedClientIdentifier',
  'topicAliasMaximum',
  'reasonString',
  'userProperties',
  'wildcardSubscriptionAvailable',
  'subscriptionIdentifiersAvailable',
  'sharedSubscriptionAvailable',
  'serverKeepAlive',
  'responseInformation',
  'serverReference',
] as const;

/** Some of the named properties, with valid values. */
export function someProperties<K extends keyof Properties>(
  names: readonly K[],
): fc.Arbitrary<Pick<Properties, K>> {
  const model = Object.fromEntries(names.map((n) => [n, PROPERTY_VALUES[n]])) as unknown as {
    [P in K]: fc.Arbitrary<NonNullable<Properties[P]>>;
  };
  return fc.record(model, { requiredKeys: [] }) as fc.Arbitrary<Pick<Properties, K>>;
}

/** Expects events to be packets, then at most one error, last. */
export function expectWellFormed(events: readonly V5Event[]): void {
  const firstError = events.findIndex((e) => 'error' in e);
  if (firstError !== -1) expect(firstError).toBe(events.length - 1);
}

/** A QoS. */
export const qos = fc.constantFrom(0 as const, 1 as const, 2 as const);
/** A packet identifier. */
export const messageId = fc.integer({ min: 1, max: 0xffff });
/** The properties of the acknowledgements. */
export const ACK_PROPS = ['reasonString', 'userProperties'] as const;
/** The properties of a PUBLISH, less the server's Subscription Identifier. */
export const PUBLISH_PROPS = [
  'payloadFormatIndicator',
  'messageExpiryInterval',
  'topicAlias',
  'responseTopic',
  'correlationData',
  'userProperties',
  'contentType',
] as const;

/** The codes a server may send in `packet`, from the table. */
export const serverCodes = (packet: ReasonPacket): number[] =>
  REASON_CODES.filter((r) => {
    const sender = r.packets[packet];
    return sender === 'server' || sender === 'both';
  }).map((r) => r.code);

/** mqtt-packet properties of a parsed packet, in our shape, grouped as mqtt-packet groups them. */
export function parsedProps(p: { properties?: Record<string, unknown> }): Properties | undefined {
  if (p.properties === undefined) return undefined;
  const props = fromMqttProps(p.properties);
  return props.userProperties === undefined
    ? props
    : { ...props, userProperties: grouped(props.userProperties) };
}

/** `props` with its user properties grouped as mqtt-packet's object groups them. */
export function withGroupedUserProps<T extends Properties | undefined>(props: T): T {
  if (props?.userProperties === undefined) return props;
  return { ...props, userProperties: grouped(props.userProperties) };
}

/** `properties` in our shape, or nothing when empty (mqtt-packet omits an empty block). */
export function propsField(props: Properties | undefined): { properties?: Properties } {
  return props === undefined || Object.keys(props).length === 0
    ? {}
    : { properties: withGroupedUserProps(props) };
}

/** The properties of a packet mqtt-packet parsed, in our shape, as a `properties` field. */
export function propsOf(p: unknown): { properties?: Properties } {
  const props = parsedProps((p ?? {}) as { properties?: Record<string, unknown> });
  return props === undefined ? {} : { properties: props };
}
