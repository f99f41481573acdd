/**
 * The MQTT 5 decoder's packets in the shapes the session reads (the 3.1.1 decoder's): a part of
 * the MQTT 5 wire profile (runtime/profileV5.ts), apart to keep each file small. Internal: not in
 * the index.
 *
 * @module
 */
import type { ProtocolError } from '../errors.js';
import { mergeSuback } from '../protocol/v5/capabilitiesSubscribe.js';
import { payloadFormatInvalid, receivedProperties } from '../protocol/v5/messageProps.js';
import type { V5InboundPacket } from '../protocol/v5/packets.js';
import { violation } from '../protocol/v5/reader.js';
import type { InboundTopicAliases } from '../protocol/v5/topicAlias.js';
import type { WirePacket } from './profile.js';
import type { V5Link } from './v5Transport.js';

/** Payload format invalid: a PUBLISH whose payload is not what its indicator says (R294). */
const PAYLOAD_FORMAT_INVALID = 0x99;

/**
 * A v5 packet in the shape the session reads (the 3.1.1 decoder's), or the error it is: an AUTH
 * the client did not ask for, a Topic Alias it did not allow (spec R241). CONNACK and a server
 * DISCONNECT go to the connection as they are, for `answerConnack` and `answerDisconnect` of the MQTT 5 profile (spec R240, R246).
 */
export function toSession(
  p: V5InboundPacket,
  aliases: InboundTopicAliases,
  link: V5Link,
): WirePacket | MqttFailure {
  switch (p.cmd) {
    case 'publish': {
      const alias = p.properties?.topicAlias;
      const topic = alias === undefined ? p.topic : aliases.resolve(p.topic, alias);
      if (typeof topic !== 'string') return topic;
      // R294: a payload that is not the UTF-8 its indicator says is refused with DISCONNECT 0x99.
      if (payloadFormatInvalid(p.payload, p.properties)) {
        return violation(
          PAYLOAD_FORMAT_INVALID,
          `PUBLISH to ${JSON.stringify(topic)} says its payload is UTF-8 (Payload Format Indicator 1), and it is not [3.3.2.3.2]`,
        );
      }
      return p.messageId === undefined
        ? {
            cmd: 'publish',
            topic,
            payload: p.payload,
            qos: p.qos,
            dup: p.dup,
            retain: p.retain,
            messageProperties: receivedProperties(p.properties),
          }
        : {
            cmd: 'publish',
            topic,
            payload: p.payload,
            qos: p.qos,
            dup: p.dup,
            retain: p.retain,
            messageId: p.messageId,
            messageProperties: receivedProperties(p.properties),
          };
    }
    case 'puback':
    case 'pubrec':
      // A failure code refuses the publish (R244); success codes need not travel.
      return p.reasonCode >= 0x80
        ? { cmd: p.cmd, messageId: p.messageId, reasonCode: p.reasonCode }
        : { cmd: p.cmd, messageId: p.messageId };
    case 'pubrel':
    case 'pubcomp':
      return { cmd: p.cmd, messageId: p.messageId };
    case 'suback': {
      // MQTT 5 failure codes are 0x80 and above, as 3.1.1's one: the session refuses them alike.
      const local = link.refused.get(p.messageId);
      if (local === undefined) return { cmd: 'suback', messageId: p.messageId, granted: [...p.reasonCodes] };
      // Filters the client refused itself (R255) keep their places among the broker's codes.
      link.refused.delete(p.messageId);
      return { cmd: 'suback', messageId: p.messageId, granted: mergeSuback(local, p.reasonCodes) };
    }
    case 'unsuback':
      // Its code reaches the unsubscribe's caller (R245): one filter per UNSUBSCRIBE.
      return { cmd: 'unsuback', messageId: p.messageId, granted: [...p.reasonCodes] };
    // AUTH goes to the connection's authentication (runtime/authSession.ts, spec R316).
    default:
      return p;
  }
}

/** What a packet the session cannot take is. */
type MqttFailure = ProtocolError;
