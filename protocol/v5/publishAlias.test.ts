/**
 * A PUBLISH with the user's properties and a Topic Alias in one property block (spec R305):
 * `publishWithProperties` with an alias, parsed by mqtt-packet as MQTT 5, for any topic, payload
 * (across the remaining-length varint's boundaries), QoS, properties and alias.
 */
import * as fc from 'fast-check';
import type * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { messageId, mqttParse, qos, topicName } from '../../test/support/mqtt5.js';
import { encodePublish, encodeTopic } from '../encode.js';
import { v5Size } from './capabilities.js';
import { publishWithProperties } from './messageProps.js';
import type { PublishProperties } from './properties.js';
import { propertiesSize } from './propertyCodec.js';

const text = fc.string({ maxLength: 12 }).filter((s) => !s.includes('\u0000'));

const props = fc.record(
  {
    contentType: text,
    messageExpiryInterval: fc.integer({ min: 1, max: 0xffff_ffff }),
    correlationData: fc.uint8Array({ maxLength: 40 }),
    userProperties: fc.array(fc.tuple(text, text), { maxLength: 4 }),
  },
  { requiredKeys: [] },
);

describe('publishWithProperties with a Topic Alias (R305)', () => {
  it('R305: mqtt-packet parses one property block carrying both the properties and the alias, the topic empty when the alias is known', () => {
    fc.assert(
      fc.property(
        topicName,
        fc.uint8Array({ maxLength: 20_000 }),
        qos,
        messageId,
        props,
        fc.integer({ min: 1, max: 65535 }),
        fc.boolean(),
        (topic, payload, q, id, p, alias, known) => {
          const v4 = encodePublish(encodeTopic(topic), payload, q, false, false, q > 0 ? id : 0);
          const bytes = publishWithProperties(v4, p, { alias, known });
          const parsed = mqttParse(bytes);
          expect(Array.isArray(parsed)).toBe(true);
          const got = (parsed as mqtt.Packet[])[0] as mqtt.IPublishPacket;
          expect(got.topic).toBe(known ? '' : topic);
          expect(got.properties?.topicAlias).toBe(alias);
          expect(got.properties?.contentType).toBe(p.contentType);
          expect(got.properties?.messageExpiryInterval).toBe(p.messageExpiryInterval);
          if (p.correlationData !== undefined) {
            expect([...(got.properties?.correlationData ?? [])]).toEqual([...p.correlationData]);
          }
          expect(new Uint8Array(got.payload as Buffer)).toEqual(payload);
          if (q > 0) expect(got.messageId).toBe(id);
          // The size the transport checks before choosing the alias is the size written (R249).
          const block = propertiesSize(p as PublishProperties, 'PUBLISH');
          if (!known) expect(v5Size(v4.length, block + 3)).toBe(bytes.length);
          expect(publishWithProperties(v4, p).length).toBe(v5Size(v4.length, block));
        },
      ),
      { numRuns: 200 },
    );
  });
});
