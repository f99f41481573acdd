/** A SUBSCRIBE against the broker's subscription capabilities (spec R255). */
import * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { encodeSubscribe } from '../encodeSubscribe.js';
import { brokerTermsOf, DEFAULT_TERMS } from './capabilities.js';
import { mergeSuback, splitSubscribe } from './capabilitiesSubscribe.js';

const noWildcards = brokerTermsOf({ wildcardSubscriptionAvailable: false });
const noShared = brokerTermsOf({ sharedSubscriptionAvailable: false });

describe('splitSubscribe / mergeSuback (R255)', () => {
  it('R255: a broker supporting every filter gets the SUBSCRIBE as it is', () => {
    const packet = encodeSubscribe(7, [{ filter: 'a/+', qos: 1 }]);
    expect(splitSubscribe(DEFAULT_TERMS, packet)).toBeUndefined();
    expect(splitSubscribe(noWildcards, encodeSubscribe(7, [{ filter: 'a/b', qos: 1 }]))).toBeUndefined();
  });

  it('R255: refused filters are taken out (same packet id, the others with their QoS) and answered in their places', () => {
    const packet = encodeSubscribe(0x1234, [
      { filter: 'a/+', qos: 1 },
      { filter: 'plain', qos: 2 },
      { filter: '#', qos: 0 },
      { filter: 'also', qos: 1 },
    ]);
    const split = splitSubscribe(noWildcards, packet);
    expect(split?.packetId).toBe(0x1234);
    expect(split?.codes).toEqual([0xa2, -1, 0xa2, -1]);
    const parser = mqtt.parser({ protocolVersion: 4 });
    const parsed: mqtt.Packet[] = [];
    parser.on('packet', (p) => parsed.push(p));
    parser.parse(Buffer.from(split?.packet as Uint8Array));
    expect(parsed[0]).toMatchObject({
      cmd: 'subscribe',
      messageId: 0x1234,
      subscriptions: [
        { topic: 'plain', qos: 2 },
        { topic: 'also', qos: 1 },
      ],
    });
    expect(mergeSuback(split?.codes ?? [], [2, 0x80])).toEqual([0xa2, 2, 0xa2, 0x80]);
  });

  it('R255: nothing is left to send when every filter is refused; shared filters get 0x9E', () => {
    const split = splitSubscribe(noShared, encodeSubscribe(3, [{ filter: '$share/g/t', qos: 0 }]));
    expect(split?.packet).toBeUndefined();
    expect(mergeSuback(split?.codes ?? [], [])).toEqual([0x9e]);
  });

  it('R255, R336: Subscription Identifiers Available 0: a filter whose subscription carries an identifier is refused with 0xA1, the others go', () => {
    const noIds = brokerTermsOf({ subscriptionIdentifiersAvailable: false });
    const plain = encodeSubscribe(4, [{ filter: 'a/b', qos: 1 }]);
    expect(splitSubscribe(noIds, plain)).toBeUndefined();
    expect(splitSubscribe(DEFAULT_TERMS, plain, () => true)).toBeUndefined();
    const split = splitSubscribe(noIds, plain, (filter) => filter === 'a/b');
    expect(split?.packet).toBeUndefined();
    expect(mergeSuback(split?.codes ?? [], [])).toEqual([0xa1]);
    const two = encodeSubscribe(5, [
      { filter: 'id', qos: 0 },
      { filter: 'no-id', qos: 1 },
    ]);
    expect(splitSubscribe(noIds, two, (filter) => filter === 'id')?.codes).toEqual([0xa1, -1]);
  });
});
