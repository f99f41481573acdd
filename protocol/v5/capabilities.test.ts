/** The broker's CONNACK terms, checked before sending (spec R249, R253-R255). */
import { describe, expect, it } from 'vitest';
import { CapabilityError, errorFromData, SizeLimitError } from '../../errors.js';
import {
  BROKER_PACKET_LIMIT,
  brokerTermsOf,
  DEFAULT_TERMS,
  publishRefusal,
  sizeRefusal,
  subscribeRefusal,
} from './capabilities.js';

describe('broker terms (R249, R253-R255)', () => {
  it('R249: the standard defaults when the CONNACK says nothing', () => {
    expect(brokerTermsOf(undefined)).toBe(DEFAULT_TERMS);
    expect(brokerTermsOf({ maximumPacketSize: 100, maximumQoS: 1 })).toMatchObject({
      maximumPacketSize: 100,
      maximumQoS: 1,
      retainAvailable: true,
      topicAliasMaximum: 0,
    });
  });

  it("R249: a packet above the broker's Maximum Packet Size is a SizeLimitError naming the broker's limit", () => {
    const terms = brokerTermsOf({ maximumPacketSize: 100 });
    expect(sizeRefusal(terms, 100)).toBeUndefined();
    const error = sizeRefusal(terms, 101);
    expect(error).toBeInstanceOf(SizeLimitError);
    expect(error).toMatchObject({
      code: 'PACKET_TOO_LARGE',
      size: 101,
      limit: 100,
      option: BROKER_PACKET_LIMIT,
    });
    expect(error?.message).toBe(
      "packet of 101 bytes exceeds the broker's Maximum Packet Size (CONNACK) (100 bytes)",
    );
  });

  it('R253: a publish above Maximum QoS is a CapabilityError 0x9B; R254: RETAIN without Retain Available is 0x9A', () => {
    const terms = brokerTermsOf({ maximumQoS: 1, retainAvailable: false });
    expect(publishRefusal(terms, 1, false, 10)).toBeUndefined();
    const qos = publishRefusal(terms, 2, false, 10);
    expect(qos).toBeInstanceOf(CapabilityError);
    expect(qos).toMatchObject({ code: 'BROKER_CAPABILITY', reasonCode: 0x9b });
    expect(qos?.message).toMatch(/QoS 2 \(CONNACK Maximum QoS 1\).*QoS not supported \(reason code 0x9B\)/);
    const retain = publishRefusal(terms, 0, true, 10);
    expect(retain).toMatchObject({ code: 'BROKER_CAPABILITY', reasonCode: 0x9a });
    expect(retain?.message).toMatch(/retained messages \(CONNACK Retain Available 0\)/);
    // R257: the capability error survives the trip through data (R82).
    expect(errorFromData((retain as CapabilityError).toData())).toBeInstanceOf(CapabilityError);
  });

  it('R255: wildcard, shared and subscription-identifier subscriptions against what the broker said', () => {
    const none = brokerTermsOf({
      wildcardSubscriptionAvailable: false,
      sharedSubscriptionAvailable: false,
      subscriptionIdentifiersAvailable: false,
    });
    expect(subscribeRefusal(none, 'a/b')).toBeUndefined();
    expect(subscribeRefusal(none, 'a/+')).toMatchObject({ reasonCode: 0xa2 });
    expect(subscribeRefusal(none, 'a/#')).toMatchObject({ reasonCode: 0xa2 });
    expect(subscribeRefusal(none, '$share/g/a')).toMatchObject({ reasonCode: 0x9e });
    expect(subscribeRefusal(none, 'a/b', true)).toMatchObject({ reasonCode: 0xa1 });
    expect(subscribeRefusal(DEFAULT_TERMS, '$share/g/+', true)).toBeUndefined();
  });
});
