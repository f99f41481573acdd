/**
 * How the subscription registry holds its tables: a registration packed in an integer, and a
 * SUBSCRIBE or UNSUBSCRIBE awaiting its ack.
 */
import type { QoS } from './encode.js';
import type { UnsubscribeCallback } from './sessionTypes.js';
import type { Waiters } from './subscribeWaiters.js';

/**
 * A registration packed in a small integer, so that thousands of filters hold no object each
 * (spec R332): bits 0-1 the QoS the caller asked for (each SUBSCRIBE sends `min(qos, maxQos)` at
 * the time), bits 2-4 the grant: 0 none yet, 1 refused, 2 + the granted QoS.
 */
export type Packed = number;

/** Packs a registration: the QoS asked for, and its grant (undefined: none yet; null: refused). */
export const packed = (qos: QoS, granted: QoS | null | undefined): Packed =>
  qos | ((granted === undefined ? 0 : granted === null ? 1 : 2 + granted) << 2);
/** The QoS a registration asked for. */
export const qosOf = (p: Packed): QoS => (p & 3) as QoS;
/** A registration's grant: undefined none yet, null refused. */
export function grantedOf(p: Packed): QoS | null | undefined {
  const g = p >> 2;
  return g === 0 ? undefined : g === 1 ? null : ((g - 2) as QoS);
}

/** One SUBSCRIBE's filters, with the callbacks each filter's SUBACK return code settles. */
export type Request =
  | {
      readonly kind: 'subscribe';
      readonly filters: string[];
      readonly waiters: (Waiters | undefined)[];
    }
  | { readonly kind: 'unsubscribe'; readonly filter: string; readonly waiters: UnsubscribeCallback[] };
