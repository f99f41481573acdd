import * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, InvalidTopicError } from '../errors.js';
import { buildConnect, type ConnectOptions, encodeConnect, type WillOptions } from './connect.js';

/** Encodes the CONNECT for `options` and parses it back as a broker would. */
function roundTrip(options: ConnectOptions, random?: () => number): mqtt.IConnectPacket {
  const parser = mqtt.parser({ protocolVersion: 4 });
  const packets: mqtt.Packet[] = [];
  parser.on('packet', (p: mqtt.Packet) => packets.push(p));
  parser.on('error', (e: Error) => {
    throw e;
  });
  parser.parse(Buffer.from(encodeConnect(options, random)));
  expect(packets).toHaveLength(1);
  return packets[0] as mqtt.IConnectPacket;
}

describe('buildConnect', () => {
  it('round-trips every field through mqtt-packet', () => {
    const parsed = roundTrip({
      clientId: 'sensor-1',
      clean: false,
      keepAliveSec: 30,
      username: 'ü-user',
      password: Uint8Array.from([0, 1, 255]),
      will: { topic: 'status/sensor-1', payload: 'gone', qos: 1, retain: true },
    });
    expect(parsed).toMatchObject({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clientId: 'sensor-1',
      clean: false,
      keepalive: 30,
      username: 'ü-user',
      password: Buffer.from([0, 1, 255]),
      will: { topic: 'status/sensor-1', payload: Buffer.from('gone'), qos: 1, retain: true },
    });
  });

  it('defaults to a clean session, keep-alive 60, no credentials and no will', () => {
    const parsed = roundTrip({ clientId: 'c' });
    expect(parsed).toMatchObject({ clean: true, keepalive: 60 });
    expect(parsed.username).toBeUndefined();
    expect(parsed.password).toBeUndefined();
    expect(parsed.will).toBeUndefined();
  });

  it('refuses a password without a username [MQTT-3.1.2-22]', () => {
    expect(() => buildConnect({ password: 'secret' })).toThrow(InvalidArgumentError);
    expect(() => buildConnect({ password: 'secret' })).toThrow(/MQTT-3\.1\.2-22/);
  });

  it('generates mqttlifeline_ and 8 hex digits from the injected random, whatever clean is', () => {
    expect(buildConnect({}, () => 0).clientId).toBe('mqttlifeline_00000000');
    expect(buildConnect({ clientId: '' }, () => 0.5).clientId).toBe('mqttlifeline_80000000');
    expect(buildConnect({ clean: false }, () => 0.999999999999).clientId).toBe('mqttlifeline_ffffffff');
    expect(roundTrip({}).clientId).toMatch(/^mqttlifeline_[0-9a-f]{8}$/);
  });

  it.each<[Pick<WillOptions, 'qos' | 'retain'>, number]>([
    [{ qos: 0, retain: false }, 0x04],
    [{ qos: 1, retain: false }, 0x0c],
    [{ qos: 2, retain: true }, 0x34],
    [{}, 0x04],
  ])('sets the will flag, QoS and retain bits for %o', (flags, expectedBits) => {
    const bytes = encodeConnect({
      clientId: 'c',
      will: { topic: 't', payload: Uint8Array.from([1]), ...flags },
    });
    // Fixed header (2) + protocol name (6) + level (1): the connect flags byte; bit 1 is clean.
    expect((bytes[9] as number) & 0xfc).toBe(expectedBits);
    const will = roundTrip({ clientId: 'c', will: { topic: 't', payload: 'x', ...flags } }).will;
    expect(will).toMatchObject({ qos: flags.qos ?? 0, retain: flags.retain ?? false });
  });

  it.each([-1, 65_536, 1.5, Number.NaN])('refuses keepAliveSec %s', (keepAliveSec) => {
    expect(() => buildConnect({ keepAliveSec })).toThrow(InvalidArgumentError);
  });

  it('accepts keepAliveSec 0 and 65535', () => {
    expect(roundTrip({ keepAliveSec: 0 }).keepalive).toBe(0);
    expect(roundTrip({ keepAliveSec: 65_535 }).keepalive).toBe(65_535);
  });

  it.each(['', 'a/+', 'a/#', 'a\u0000'])('refuses the will topic %j', (topic) => {
    expect(() => buildConnect({ will: { topic, payload: '' } })).toThrow(InvalidTopicError);
  });

  it('refuses a will QoS other than 0, 1 or 2', () => {
    const will = { topic: 't', payload: '', qos: 3 as unknown as 0 };
    expect(() => buildConnect({ will })).toThrow(InvalidArgumentError);
  });

  it('refuses fields the 2-byte length prefix cannot hold', () => {
    const big = 'x'.repeat(65_536);
    expect(() => buildConnect({ clientId: big })).toThrow(InvalidArgumentError);
    expect(() => buildConnect({ username: 'u', password: new Uint8Array(65_536) })).toThrow(
      InvalidArgumentError,
    );
    expect(() => buildConnect({ will: { topic: 't', payload: big } })).toThrow(InvalidArgumentError);
  });

  it('refuses strings that are not valid MQTT UTF-8', () => {
    expect(() => buildConnect({ clientId: 'a\uD800' })).toThrow(InvalidArgumentError);
    expect(() => buildConnect({ username: 'a\u0000' })).toThrow(InvalidArgumentError);
    // A low surrogate before a high one pairs with nothing; a high-low pair is one code point.
    expect(() => buildConnect({ clientId: '\uDC00\uD800' })).toThrow(/clientId contains a lone surrogate/);
    expect(() => buildConnect({ username: '\uD83D\uDE00\uDE00' })).toThrow(
      /username contains a lone surrogate/,
    );
    expect(roundTrip({ clientId: 'a\uD83D\uDE00', username: '\uD83D\uDE00' }).username).toBe('\uD83D\uDE00');
  });

  it('copies binary fields, so later changes to the caller array do not leak in', () => {
    const password = Uint8Array.from([1, 2]);
    const packet = buildConnect({ username: 'u', password });
    password[0] = 9;
    expect(packet.password).toEqual(Uint8Array.from([1, 2]));
  });
});
