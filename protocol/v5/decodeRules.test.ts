/**
 * The MQTT 5 decoder's rules one by one (spec R143-R146): each broken rule is refused with the
 * reason code the client's DISCONNECT must carry.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ProtocolViolationError, SizeLimitError } from '../../errors.js';
import { importGraph } from '../../test/support/imports.js';
import { decodeV5, mqttParse, plain } from '../../test/support/mqtt5.js';
import { createV5Decoder, disconnectReasonFor, encodeDisconnectFor } from './decoder.js';
import { PROPERTIES, type PropertyPlace } from './properties.js';

const require = createRequire(import.meta.url);

/** A packet: first byte, then the body with its remaining length (short bodies only). */
const packet = (first: number, ...body: number[]): number[] => [first, body.length, ...body];
/** A property block: its length, then the bytes. */
const block = (...bytes: number[]): number[] => [bytes.length, ...bytes];
/** A UTF-8 string field. */
const str = (s: string): number[] => {
  const b = [...Buffer.from(s)];
  return [b.length >> 8, b.length & 0xff, ...b];
};

function decodeOne(bytes: number[], maxPacketBytes?: number) {
  const events = decodeV5(Uint8Array.from(bytes), [], maxPacketBytes);
  expect(events).toHaveLength(1);
  return events[0] as (typeof events)[number];
}

/** Expects a refusal with `reason` and a message matching `message`. */
function expectRefused(bytes: number[], reason: number, message: RegExp): void {
  const event = decodeOne(bytes);
  if (!('error' in event)) throw new Error(`accepted: ${JSON.stringify(plain(event.packet))}`);
  expect(event.error).toBeInstanceOf(ProtocolViolationError);
  expect(disconnectReasonFor(event.error)).toBe(reason);
  expect(event.error.message).toMatch(message);
}

function expectPacket(bytes: number[], expected: unknown): void {
  const event = decodeOne(bytes);
  if ('error' in event) throw event.error;
  expect(plain(event.packet)).toEqual(plain(expected));
}

const CONNACK_OK = [0x20, 3, 0, 0, 0];

describe('fixed header (R143)', () => {
  it('refuses packet type 0 as malformed', () => expectRefused([0x00, 0], 0x81, /type 0 is reserved/));
  it('refuses non-zero reserved flags as malformed [MQTT-2.1.3-1]', () =>
    expectRefused([0x41, 2, 0, 1], 0x81, /PUBACK fixed header flags must be 0/));
  it('refuses a PUBREL without flags 0b0010 as malformed [MQTT-3.6.1-1]', () =>
    expectRefused([0x60, 2, 0, 1], 0x81, /0b0010/));
  it('refuses QoS 3 and DUP at QoS 0 as malformed [MQTT-3.3.1-4, MQTT-3.3.1-2]', () => {
    expectRefused(packet(0x36, ...str('a'), 0, 1, 0), 0x81, /both QoS bits/);
    expectRefused(packet(0x38, ...str('a'), 0), 0x81, /DUP 0/);
  });
  it.each([
    ['CONNECT', 0x10],
    ['SUBSCRIBE', 0x82],
    ['UNSUBSCRIBE', 0xa2],
    ['PINGREQ', 0xc0],
  ])('refuses %s from a server as a protocol error', (name, first) =>
    expectRefused([first, 0], 0x82, new RegExp(`must not send ${name}`)),
  );
  it('refuses a remaining length longer than 4 bytes as malformed [MQTT-1.5.5-1]', () =>
    expectRefused([0x30, 0x80, 0x80, 0x80, 0x80, 0x01], 0x81, /longer than 4 bytes/));
  it('refuses a packet above the Maximum Packet Size with 0x95 before reading its body', () => {
    const event = decodeOne([0x30, 100], 50);
    expect('error' in event && event.error).toBeInstanceOf(SizeLimitError);
    expect('error' in event && disconnectReasonFor(event.error)).toBe(0x95);
  });
  it('R140: the DISCONNECT for an error carries its reason code, and its message on request', () => {
    const event = decodeOne([0x40, 2, 0, 0]);
    if (!('error' in event)) throw new Error('accepted');
    expect(Array.from(encodeDisconnectFor(event.error))).toEqual([0xe0, 2, 0x82, 0]);
    const withText = mqttParse(encodeDisconnectFor(event.error, true)) as {
      reasonCode?: number;
      properties?: { reasonString?: string };
    }[];
    expect(withText[0]?.reasonCode).toBe(0x82);
    expect(withText[0]?.properties?.reasonString).toBe(event.error.message);
  });
});

describe('remaining length and trailing bytes (R143)', () => {
  it.each([
    ['CONNACK', [0x20, 2, 0, 0], /CONNACK remaining length must be at least 3/],
    ['SUBACK', [0x90, 3, 0, 1, 0], /SUBACK remaining length must be at least 4/],
    ['PINGRESP', [0xd0, 1, 0], /PINGRESP remaining length must be 0/],
    ['AUTH', [0xf0, 1, 0], /AUTH with a reason code must have a property length/],
    ['PUBACK', [0x40, 1, 0], /PUBACK remaining length must be at least 2/],
  ])('refuses a %s too short for its fields as malformed', (_name, bytes, message) =>
    expectRefused(bytes as number[], 0x81, message as RegExp),
  );
  it('refuses bytes after the last field as malformed', () =>
    expectRefused([0x20, 4, 0, 0, 0, 9], 0x81, /1 bytes after its last field/));
  it('refuses a property block longer than the packet as malformed', () =>
    expectRefused([0x20, 4, 0, 0, 5, 0x24], 0x81, /ends inside its properties/));
  it('refuses a property value running past its block as malformed', () =>
    // Block of 2: Receive Maximum (0x21) needs 2 bytes after its identifier, 1 is in the block.
    expectRefused([0x20, 6, 0, 0, 2, 0x21, 0, 1], 0x81, /ends inside its Receive Maximum/));
});

describe('properties (R142, R144)', () => {
  it('refuses an unknown property identifier as malformed [2.2.2.2]', () =>
    expectRefused(packet(0x20, 0, 0, ...block(0x05, 0)), 0x81, /unknown property identifier 0x05/));
  it('refuses a property the packet may not carry as malformed [2.2.2.2]', () =>
    expectRefused(
      packet(0x20, 0, 0, ...block(0x23, 0, 1)),
      0x81,
      /CONNACK may not carry Topic Alias \(0x23\)/,
    ));
  it('refuses a repeated property as a protocol error', () =>
    expectRefused(
      packet(0x20, 0, 0, ...block(0x21, 0, 1, 0x21, 0, 2)),
      0x82,
      /Receive Maximum \(0x21\) more than once/,
    ));
  it('accepts repeated User Properties, in order, and repeated Subscription Identifiers in PUBLISH', () => {
    expectPacket(
      packet(0x20, 0, 0, ...block(0x26, ...str('k'), ...str('1'), 0x26, ...str('k'), ...str('2'))),
      {
        cmd: 'connack',
        sessionPresent: false,
        reasonCode: 0,
        properties: {
          userProperties: [
            ['k', '1'],
            ['k', '2'],
          ],
        },
      },
    );
    expectPacket(packet(0x30, ...str('t'), ...block(0x0b, 1, 0x0b, 0x80, 0x01), 0x68), {
      cmd: 'publish',
      topic: 't',
      payload: [0x68],
      qos: 0,
      dup: false,
      retain: false,
      properties: { subscriptionIdentifier: [1, 128] },
    });
  });
  it.each([
    ['Receive Maximum 0', [0x21, 0, 0], /Receive Maximum \(0x21\) must be 1 to 65535/],
    ['Maximum QoS 2', [0x24, 2], /Maximum QoS \(0x24\) must be 0 or 1/],
    ['Retain Available 2', [0x25, 2], /must be 0 or 1, got 2/],
    ['Maximum Packet Size 0', [0x27, 0, 0, 0, 0], /Maximum Packet Size \(0x27\) must be 1/],
  ])('refuses a CONNACK with %s as a protocol error', (_name, prop, message) =>
    expectRefused(packet(0x20, 0, 0, ...block(...(prop as number[]))), 0x82, message as RegExp),
  );
  it('refuses Subscription Identifier 0 as a protocol error', () =>
    expectRefused(
      packet(0x30, ...str('t'), ...block(0x0b, 0)),
      0x82,
      /Subscription Identifier \(0x0B\) must be 1/,
    ));
  it('refuses Topic Alias 0 with 0x94 Topic Alias invalid [MQTT-3.3.2-8]', () =>
    expectRefused(packet(0x30, ...str('t'), ...block(0x23, 0, 0)), 0x94, /Topic Alias invalid/));
  it('refuses a Session Expiry Interval in a server DISCONNECT as a protocol error [MQTT-3.14.2-2]', () =>
    expectRefused(
      packet(0xe0, 0x8b, ...block(0x11, 0, 0, 0, 1)),
      0x82,
      /server may not send Session Expiry Interval/,
    ));
  it.each([
    ['not well-formed UTF-8 [MQTT-1.5.4-1]', [0, 2, 0xc0, 0xaf], /not well-formed UTF-8/],
    ['a surrogate [MQTT-1.5.4-1]', [0, 3, 0xed, 0xa0, 0x80], /not well-formed UTF-8/],
    ['U+0000 [MQTT-1.5.4-2]', [0, 2, 0x61, 0], /contains U\+0000/],
  ])('refuses a Reason String with %s as malformed', (_name, bad, message) =>
    expectRefused(packet(0x40, 0, 1, 0x80, ...block(0x1f, ...(bad as number[]))), 0x81, message as RegExp),
  );
  it('refuses a bad UTF-8 pair in a User Property as malformed [MQTT-1.5.4-1]', () =>
    expectRefused(
      packet(0x40, 0, 1, 0, ...block(0x26, ...str('k'), 0, 1, 0xff)),
      0x81,
      /User Properties \(0x26\) value is not well-formed/,
    ));
  it('refuses a Variable Byte Integer longer than it needs to be as malformed [MQTT-1.5.5-1]', () => {
    // Property identifier 0x26 written on two bytes, then a property length of 0 on two.
    expectRefused(
      packet(0x40, 0, 1, 0, ...block(0xa6, 0x00, ...str('k'), ...str('v'))),
      0x81,
      /property identifier is not in its shortest form/,
    );
    expectRefused([0x40, 5, 0, 1, 0, 0x80, 0x00], 0x81, /property length is not in its shortest form/);
  });
  it('refuses a property identifier longer than 4 bytes as malformed [MQTT-1.5.5-1]', () =>
    expectRefused(
      packet(0x40, 0, 1, 0, ...block(0x80, 0x80, 0x80, 0x80, 0x01)),
      0x81,
      /longer than 4 bytes/,
    ));

  it("table 2-4: the identifiers and names are mqtt-packet's, and each place allows exactly its properties", () => {
    const theirs = require('mqtt-packet/constants.js').properties as Record<string, number>;
    expect(Object.fromEntries(PROPERTIES.map((p) => [p.name, p.id]))).toEqual(theirs);
    // Written from the standard's sections 3.x.2.x, independently of the table.
    const allowed: Partial<Record<PropertyPlace, number[]>> = {
      CONNACK: [
        0x11, 0x21, 0x24, 0x25, 0x27, 0x12, 0x22, 0x1f, 0x26, 0x28, 0x29, 0x2a, 0x13, 0x1a, 0x1c, 0x15, 0x16,
      ],
      PUBLISH: [0x01, 0x02, 0x23, 0x08, 0x09, 0x26, 0x0b, 0x03],
      PUBACK: [0x1f, 0x26],
      SUBACK: [0x1f, 0x26],
      DISCONNECT: [0x11, 0x1f, 0x26, 0x1c],
      AUTH: [0x15, 0x16, 0x1f, 0x26],
      CONNECT: [0x11, 0x21, 0x27, 0x22, 0x19, 0x17, 0x26, 0x15, 0x16],
      WILL: [0x18, 0x01, 0x02, 0x03, 0x08, 0x09, 0x26],
      SUBSCRIBE: [0x0b, 0x26],
      UNSUBSCRIBE: [0x26],
    };
    for (const [place, ids] of Object.entries(allowed)) {
      const ours = PROPERTIES.filter((p) => p.places.includes(place as PropertyPlace)).map((p) => p.id);
      expect({ place, ids: ours.sort() }).toEqual({ place, ids: [...ids].sort() });
    }
  });
});

describe('reason codes and packet rules (R141, R145)', () => {
  it('refuses a CONNACK reason code the table does not list for CONNACK [MQTT-3.2.2-8]', () =>
    expectRefused([0x20, 3, 0, 0x04, 0], 0x82, /0x04 is not a reason code a server sends in CONNACK/));
  it('refuses session present with a failure reason code [MQTT-3.2.2-6]', () =>
    expectRefused([0x20, 3, 1, 0x87, 0], 0x82, /session present 0/));
  it('refuses reserved CONNACK acknowledge flags as malformed [MQTT-3.2.2-1]', () =>
    expectRefused([0x20, 3, 2, 0, 0], 0x81, /reserved/));
  it.each([
    ['PUBACK 0x92', [0x40, 3, 0, 1, 0x92]],
    ['PUBREL 0x10', [0x62, 3, 0, 1, 0x10]],
    ['SUBACK 0x11', [0x90, 4, 0, 1, 0, 0x11]],
    ['UNSUBACK 0x01', [0xb0, 4, 0, 1, 0, 0x01]],
    ['DISCONNECT 0x04 (a client code)', [0xe0, 1, 0x04]],
    ['AUTH 0x19 (a client code)', [0xf0, 2, 0x19, 0]],
  ])('refuses %s as a protocol error', (_name, bytes) =>
    expectRefused(bytes as number[], 0x82, /is not a reason code a server sends/),
  );
  it('refuses packet identifier 0 as a protocol error [MQTT-2.2.1-3]', () => {
    expectRefused([0x40, 2, 0, 0], 0x82, /PUBACK packet identifier must not be 0/);
    expectRefused(packet(0x32, ...str('t'), 0, 0, 0), 0x82, /PUBLISH packet identifier must not be 0/);
  });
  it('refuses a SUBACK without a reason code as a protocol error', () =>
    expectRefused([0x90, 6, 0, 1, ...block(0x1f, 0, 0)], 0x82, /reason code per topic filter/));
  it('reads the short forms: acks of 2 and 3 bytes, DISCONNECT and AUTH of 0, DISCONNECT of 1', () => {
    expectPacket([0x40, 2, 0, 7], { cmd: 'puback', messageId: 7, reasonCode: 0 });
    expectPacket([0x50, 3, 0, 7, 0x10], { cmd: 'pubrec', messageId: 7, reasonCode: 0x10 });
    expectPacket([0xe0, 0], { cmd: 'disconnect', reasonCode: 0 });
    expectPacket([0xe0, 1, 0x8e], { cmd: 'disconnect', reasonCode: 0x8e });
    expectPacket([0xf0, 0], { cmd: 'auth', reasonCode: 0 });
    expectPacket(CONNACK_OK, { cmd: 'connack', sessionPresent: false, reasonCode: 0 });
  });
  it('refuses an AUTH without an Authentication Method as a protocol error [3.15.2.2.2]', () =>
    expectRefused([0xf0, 2, 0x18, 0], 0x82, /Authentication Method/));
  it('refuses an empty topic name without a Topic Alias, accepts it with one [3.3.2.1]', () => {
    expectRefused(packet(0x30, 0, 0, 0), 0x82, /empty topic name must carry a Topic Alias/);
    expectPacket(packet(0x30, 0, 0, ...block(0x23, 0, 3)), {
      cmd: 'publish',
      topic: '',
      payload: [],
      qos: 0,
      dup: false,
      retain: false,
      properties: { topicAlias: 3 },
    });
  });
  it('refuses wildcards in a topic name [MQTT-3.3.2-2] or a Response Topic [3.3.2.3.5] as a protocol error', () => {
    expectRefused(packet(0x30, ...str('a/+'), 0), 0x82, /topic name must not contain wildcards/);
    expectRefused(
      packet(0x30, ...str('a'), ...block(0x08, ...str('r/#'))),
      0x82,
      /Response Topic must not contain wildcards/,
    );
  });
  it('hands out a PUBLISH payload as a view into the chunk, not a copy', () => {
    const chunk = Uint8Array.from(packet(0x30, ...str('t'), 0, 1, 2, 3));
    const payloads: Uint8Array[] = [];
    const decoder = createV5Decoder({
      onPacket: (p) => {
        if (p.cmd === 'publish') payloads.push(p.payload);
      },
      onError: (e) => {
        throw e;
      },
    });
    decoder.push(chunk);
    expect(Array.from(payloads[0] ?? [])).toEqual([1, 2, 3]);
    expect(payloads[0]?.buffer).toBe(chunk.buffer);
  });
});

describe('the 3.1.1 path (R150)', () => {
  it('the 3.1.1 decoder and encoders import nothing of protocol/v5', () => {
    for (const entry of [
      'protocol/decoder.ts',
      'protocol/encode.ts',
      'protocol/encodeSubscribe.ts',
      'protocol/connect.ts',
    ]) {
      const v5 = importGraph(entry).filter((e) => e.target?.startsWith('protocol/v5/'));
      expect(v5).toEqual([]);
    }
    // The walker does see v5 imports where there are some.
    expect(importGraph('protocol/v5/decoder.ts').some((e) => e.target === 'protocol/v5/decodeRules.ts')).toBe(
      true,
    );
  });
});
