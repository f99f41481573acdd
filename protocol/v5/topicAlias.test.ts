/** Topic aliases both ways (spec R250, R251), and their bytes against mqtt-packet's parser. */
import * as fc from 'fast-check';
import type * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { ProtocolViolationError } from '../../errors.js';
import { messageId, mqttParse, qos, topicName } from '../../test/support/mqtt5.js';
import { encodePublish, encodeTopic } from '../encode.js';
import { v5Size } from './capabilities.js';
import { aliasedPublish, InboundTopicAliases, OutboundTopicAliases, publishTopic } from './topicAlias.js';
import { upgradeToV5 } from './upgrade.js';

describe('OutboundTopicAliases (R250)', () => {
  it('R250: a topic gets a free alias on its first publish, then is sent by alias alone', () => {
    const aliases = new OutboundTopicAliases(2);
    expect(aliases.pick('a')).toEqual({ alias: 1, known: false });
    expect(aliases.pick('b')).toEqual({ alias: 2, known: false });
    expect(aliases.pick('a')).toEqual({ alias: 1, known: true });
    expect(aliases.pick('b')).toEqual({ alias: 2, known: true });
    expect(aliases.size).toBe(2);
  });

  it('R250: once every alias is taken, a one-off topic gets none; one seen twice takes the least recently used alias', () => {
    const aliases = new OutboundTopicAliases(2);
    aliases.pick('hot');
    aliases.pick('warm');
    aliases.pick('hot'); // 'warm' is now the least recently used
    expect(aliases.pick('once')).toEqual({ alias: 0, known: false });
    expect(aliases.pick('hot')).toEqual({ alias: 1, known: true });
    // 'once' again: it takes 'warm''s alias, 2, and must be sent with its topic.
    expect(aliases.pick('once')).toEqual({ alias: 2, known: false });
    expect(aliases.pick('once')).toEqual({ alias: 2, known: true });
    // 'warm' lost its alias: its next publish carries its topic (and no alias: seen once).
    expect(aliases.pick('warm')).toEqual({ alias: 0, known: false });
    expect(aliases.pick('hot')).toEqual({ alias: 1, known: true });
  });

  it('R250: a maximum of 0 gives no alias', () => {
    const aliases = new OutboundTopicAliases(0);
    expect(aliases.pick('a')).toEqual({ alias: 0, known: false });
    expect(aliases.pick('a')).toEqual({ alias: 0, known: false });
  });

  it('R250: never an alias above the maximum, and a topic is only sent empty with the alias last sent with it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'), { maxLength: 200 }),
        (maximum, topics) => {
          const aliases = new OutboundTopicAliases(maximum);
          // What the broker holds: alias to topic, as the PUBLISHes sent so far set it.
          const broker = new Map<number, string>();
          for (const topic of topics) {
            const { alias, known } = aliases.pick(topic);
            expect(alias).toBeLessThanOrEqual(maximum);
            if (alias === 0) continue;
            if (known) expect(broker.get(alias)).toBe(topic);
            else broker.set(alias, topic);
          }
        },
      ),
    );
  });
});

describe('InboundTopicAliases (R251)', () => {
  it('R251: a topic with an alias sets it; an empty topic with it uses it', () => {
    const aliases = new InboundTopicAliases(10);
    expect(aliases.resolve('a/b', 3)).toBe('a/b');
    expect(aliases.resolve('', 3)).toBe('a/b');
    expect(aliases.resolve('c', 3)).toBe('c');
    expect(aliases.resolve('', 3)).toBe('c');
  });

  it('R251: an alias above the announced maximum is 0x94; an unknown alias with an empty topic is 0x82', () => {
    const aliases = new InboundTopicAliases(2);
    const above = aliases.resolve('t', 3);
    expect(above).toBeInstanceOf(ProtocolViolationError);
    expect(above).toMatchObject({ reasonCode: 0x94 });
    const unknown = aliases.resolve('', 1);
    expect(unknown).toBeInstanceOf(ProtocolViolationError);
    expect(unknown).toMatchObject({ reasonCode: 0x82 });
    expect(new InboundTopicAliases(0).resolve('t', 1)).toMatchObject({ reasonCode: 0x94 });
  });
});

describe('aliasedPublish (R250)', () => {
  it('R250: mqtt-packet parses it as the PUBLISH with its Topic Alias, with the topic or empty', () => {
    fc.assert(
      fc.property(
        topicName,
        fc.uint8Array({ maxLength: 20_000 }),
        qos,
        fc.boolean(),
        messageId,
        fc.integer({ min: 1, max: 65535 }),
        fc.boolean(),
        (topic, payload, q, retain, id, alias, known) => {
          const v4 = encodePublish(encodeTopic(topic), payload, q, retain, false, q > 0 ? id : 0);
          const at = publishTopic(v4);
          expect(at.topic).toBe(topic);
          const bytes = aliasedPublish(v4, at, { alias, known });
          const parsed = mqttParse(bytes);
          expect(Array.isArray(parsed)).toBe(true);
          const p = (parsed as mqtt.Packet[])[0] as mqtt.IPublishPacket;
          expect(p.topic).toBe(known ? '' : topic);
          expect(p.properties?.topicAlias).toBe(alias);
          expect(p.qos).toBe(q);
          expect(p.retain).toBe(retain);
          expect(new Uint8Array(p.payload as Buffer)).toEqual(payload);
          if (q > 0) expect(p.messageId).toBe(id);
          // v5Size measures the upgraded form, and the form with a new alias (R249).
          expect(v5Size(v4.length)).toBe(upgradeToV5(v4).length);
          if (!known) expect(v5Size(v4.length, 3)).toBe(bytes.length);
        },
      ),
      { numRuns: 200 },
    );
  });
});
