import { describe, expect, it } from 'vitest';
import { decode, expectProtocolError, publish, topicA } from '../test/support/decoding.js';
import { checkConnackAnswers } from './decoderRules.js';

describe('fixed header', () => {
  it('refuses non-zero reserved flags on a non-PUBLISH packet [MQTT-2.2.2-1]', () => {
    expectProtocolError([0x41, 2, 0, 1], /PUBACK fixed header flags must be 0/);
  });

  it('refuses a PUBREL whose flags are not 0b0010 [MQTT-3.6.1-1]', () => {
    expectProtocolError([0x60, 2, 0, 1], /PUBREL fixed header flags must be 0b0010/);
  });

  it('refuses a PUBLISH with QoS 3 [MQTT-3.3.1-4]', () => {
    expectProtocolError(publish(0x06, topicA, [0, 1]), /both QoS bits/);
  });

  it('refuses a QoS 0 PUBLISH with DUP set [MQTT-3.3.1-2]', () => {
    expectProtocolError(publish(0x08, topicA), /DUP 0/);
  });

  it.each([
    ['CONNECT', 0x10],
    ['SUBSCRIBE', 0x82],
    ['UNSUBSCRIBE', 0xa2],
    ['PINGREQ', 0xc0],
    ['DISCONNECT', 0xe0],
  ])('refuses %s, which only a client sends', (name, first) => {
    expectProtocolError([first, 0], new RegExp(`must not send ${name}`));
  });

  it.each([0x00, 0xf0])('refuses the reserved packet type of first byte %i', (first) => {
    expectProtocolError([first, 0], /is reserved/);
  });
});

describe('remaining length', () => {
  it.each([
    ['CONNACK', [0x20, 3, 0, 0, 0]],
    ['PUBACK', [0x40, 3, 0, 1, 0]],
    ['UNSUBACK', [0xb0, 1, 0]],
    ['PINGRESP', [0xd0, 1, 0]],
    ['SUBACK', [0x90, 2, 0, 1]],
    ['PUBLISH', [0x32, 4, 0, 1, 0x61, 0]],
  ])('refuses a %s whose remaining length does not fit its type', (name, bytes) => {
    expectProtocolError(bytes as number[], new RegExp(`${name} remaining length must be`));
  });

  it('refuses a PUBLISH whose topic length runs past the remaining length', () => {
    expectProtocolError([0x30, 4, 0, 5, 0x61, 0x62], /overrun/);
  });
});

describe('PUBLISH topic name', () => {
  it('refuses an empty topic name [MQTT-4.7.3-1]', () => {
    expectProtocolError(publish(0, [], [], [1]), /must not be empty/);
  });

  it.each([
    ['an invalid byte', [0xff]],
    ['a UTF-16 surrogate', [0xed, 0xa0, 0x80]],
    ['an overlong encoding', [0xc0, 0xaf]],
    ['a truncated sequence', [0x61, 0xe2, 0x82]],
  ])('refuses %s in the topic name [MQTT-1.5.3-1]', (_name, topic) => {
    expectProtocolError(publish(0, topic as number[]), /not well-formed UTF-8/);
  });

  it.each([0x2b, 0x23])('refuses the wildcard byte %i in a topic name [MQTT-3.3.2-2]', (wildcard) => {
    expectProtocolError(publish(0, [0x61, 0x2f, wildcard]), /wildcards/);
  });

  it('refuses U+0000 in a topic name [MQTT-4.7.3-2]', () => {
    expectProtocolError(publish(0, [0x61, 0x00]), /U\+0000/);
  });
});

describe('packet identifiers', () => {
  it.each([
    ['PUBLISH', publish(0x02, topicA, [0, 0])],
    ['PUBACK', [0x40, 2, 0, 0]],
    ['PUBREL', [0x62, 2, 0, 0]],
    ['SUBACK', [0x90, 3, 0, 0, 0]],
    ['UNSUBACK', [0xb0, 2, 0, 0]],
  ])('refuses packet identifier 0 on %s [MQTT-2.3.1-1]', (name, bytes) => {
    expectProtocolError(bytes, new RegExp(`${name} packet identifier must not be 0`));
  });
});

describe('CONNACK and SUBACK', () => {
  it('refuses reserved CONNACK acknowledge flags', () => {
    expectProtocolError([0x20, 2, 2, 0], /bits 7-1 are reserved/);
  });

  it('refuses a CONNACK return code above 5', () => {
    expectProtocolError([0x20, 2, 0, 6], /return code 6 is reserved/);
  });

  it('refuses session present with a non-zero return code [MQTT-3.2.2-4]', () => {
    expectProtocolError([0x20, 2, 1, 5], /session present 0/);
  });

  it('accepts a refusal with session present 0', () => {
    expect(decode([0x20, 2, 0, 5]).packets).toEqual([
      { cmd: 'connack', sessionPresent: false, returnCode: 5 },
    ]);
  });

  it('refuses SUBACK return codes other than 0, 1, 2 and 0x80 [MQTT-3.9.3-2]', () => {
    expectProtocolError([0x90, 4, 0, 1, 0, 3], /return code 3 is reserved/);
  });
});

describe('CONNACK against the CONNECT it answers (R62)', () => {
  it('refuses session present 1 answering CleanSession=1 [MQTT-3.2.2-1]', () => {
    expect(checkConnackAnswers({ sessionPresent: true, returnCode: 0 }, { clean: true })).toMatch(
      /\[MQTT-3\.2\.2-1\]/,
    );
  });

  it('accepts session present 1 answering CleanSession=0, and 0 answering either', () => {
    expect(checkConnackAnswers({ sessionPresent: true, returnCode: 0 }, { clean: false })).toBeUndefined();
    expect(checkConnackAnswers({ sessionPresent: false, returnCode: 0 }, { clean: true })).toBeUndefined();
  });

  it('refuses a CONNACK when no CONNECT was written', () => {
    expect(checkConnackAnswers({ sessionPresent: false, returnCode: 0 }, undefined)).toMatch(
      /before any CONNECT/,
    );
  });
});
