/** The MQTT 5 profile's topic-alias settings (spec R250, R251). */
import * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import type { WireProfile } from './profile.js';
import { createV5Profile, mqtt5Profile } from './profileV5.js';

function connectOf(profile: WireProfile): mqtt.IConnectPacket {
  const { bytes } = profile.connect({ clientId: 'c', clean: true, keepAliveSec: 30 }, 268_435_460);
  const parser = mqtt.parser({ protocolVersion: 5 });
  const packets: mqtt.Packet[] = [];
  parser.on('packet', (p) => packets.push(p));
  parser.parse(Buffer.from(bytes));
  return packets[0] as mqtt.IConnectPacket;
}

describe('createV5Profile / mqtt5Profile (R250, R251)', () => {
  it('R251: the CONNECT announces Topic Alias Maximum 10 by default, the configured one, or none for 0', () => {
    expect(connectOf(createV5Profile()).properties?.topicAliasMaximum).toBe(10);
    expect(connectOf(createV5Profile({ topicAliasMaximum: 3 })).properties?.topicAliasMaximum).toBe(3);
    expect(
      connectOf(createV5Profile({ topicAliasMaximum: 0 })).properties?.topicAliasMaximum,
    ).toBeUndefined();
  });

  it('R251: a count outside 0-65535 is an InvalidArgumentError naming the option', () => {
    expect(() => mqtt5Profile({ topicAliasMaximum: -1 })).toThrow(InvalidArgumentError);
    expect(() => mqtt5Profile({ outboundTopicAliases: 65_536 })).toThrow(/outboundTopicAliases/);
    expect(() => mqtt5Profile({ topicAliasMaximum: 1.5 })).toThrow(/topicAliasMaximum/);
    expect(mqtt5Profile().version).toBe(5);
  });
});
