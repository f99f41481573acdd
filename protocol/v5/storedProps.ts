/**
 * What an MQTT 5 client keeps in the session store beside a queued publish (spec R304): its
 * publish properties and when it was accepted, as the annex of its `publish` record. The store
 * and the session never read it; the MQTT 5 runtime writes it at `publish` and reads it back when
 * a new process restores the session. Layout: a format byte (1), the acceptance time as a
 * big-endian float64 of wall-clock milliseconds since the Unix epoch, then the properties as the
 * property block of a PUBLISH (2.2.2). Pure.
 *
 * @module
 */
import type { OutboundPublishProperties } from './encode.js';
import type { PublishProperties } from './properties.js';
import { blockSize, propertiesSize, readProperties, writeProperties } from './propertyCodec.js';
import { Reader } from './reader.js';

/** The annex format this file writes. */
const FORMAT = 1;
/** Format byte and float64. */
const HEAD = 9;

/** A stored publish's properties and acceptance time. */
export interface StoredProps {
  /** The properties, as the user gave them (the Message Expiry Interval in full). */
  readonly props: OutboundPublishProperties;
  /** When `publish` accepted it: wall-clock milliseconds since the Unix epoch. */
  readonly acceptedAt: number;
}

/**
 * Encodes a publish's properties and acceptance time as its store annex (R304).
 * @param props - The checked properties.
 * @param acceptedAt - Wall-clock milliseconds since the Unix epoch.
 * @returns The annex.
 */
export function encodeStoredProps(props: OutboundPublishProperties, acceptedAt: number): Uint8Array {
  const length = propertiesSize(props as PublishProperties, 'PUBLISH');
  const out = new Uint8Array(HEAD + blockSize(length));
  out[0] = FORMAT;
  new DataView(out.buffer).setFloat64(1, acceptedAt);
  writeProperties(out, HEAD, props as PublishProperties, 'PUBLISH', length);
  return out;
}

/**
 * Decodes a store annex (R304).
 * @param annex - What {@link encodeStoredProps} wrote.
 * @returns The properties and acceptance time, or `undefined` for an annex this library cannot
 *   read (another format, or damaged): the message is then restored without properties.
 */
export function decodeStoredProps(annex: Uint8Array): StoredProps | undefined {
  if (annex.length < HEAD + 1 || annex[0] !== FORMAT) return undefined;
  const acceptedAt = new DataView(annex.buffer, annex.byteOffset, annex.byteLength).getFloat64(1);
  if (!Number.isFinite(acceptedAt)) return undefined;
  try {
    const reader = new Reader(annex, HEAD, annex.length, 'stored PUBLISH');
    const read = readProperties(reader, 'PUBLISH') ?? {};
    if (reader.pos !== annex.length) return undefined;
    const { subscriptionIdentifier: _, topicAlias: __, ...props } = read as PublishProperties;
    return { props, acceptedAt };
  } catch {
    return undefined;
  }
}
