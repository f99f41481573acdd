/**
 * Our MQTT 5 encoders and decoder agree with each other (spec R148): every packet both sides may
 * send (PUBLISH without the server's Subscription Identifier, the four acks, DISCONNECT without
 * the client's Session Expiry Interval, AUTH) decodes back to what was encoded.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACK_PROPS,
  decodeV5,
  messageId,
  PUBLISH_PROPS,
  plain,
  qos,
  serverCodes,
  someProperties,
  text,
  topicName,
} from '../../test/support/mqtt5.js';
import { encodeAckV5, encodeAuth, encodeDisconnectV5, encodePublishV5 } from './encode.js';

/** Decodes one packet; fails the test on anything else. */
function decodeOnly(bytes: Uint8Array): unknown {
  const events = decodeV5(bytes);
  expect(events).toHaveLength(1);
  const [event] = events;
  if (event === undefined || 'error' in event) throw event?.error ?? new Error('nothing decoded');
  return plain(event.packet);
}

describe('encode then decode is the identity (R148)', () => {
  it('PUBLISH, acks, DISCONNECT and AUTH', () => {
    const ackCmd = fc.constantFrom(
      'puback' as const,
      'pubrec' as const,
      'pubrel' as const,
      'pubcomp' as const,
    );
    fc.assert(
      fc.property(
        topicName,
        fc.uint8Array({ maxLength: 20 }),
        qos,
        fc.boolean(),
        messageId,
        someProperties(PUBLISH_PROPS),
        (topic, payload, q, retain, id, props) => {
          const decoded = decodeOnly(encodePublishV5(topic, payload, q, retain, false, id, props));
          expect(decoded).toEqual(
            plain({
              cmd: 'publish',
              topic,
              payload,
              qos: q,
              dup: false,
              retain,
              ...(q > 0 ? { messageId: id } : {}),
              ...(Object.keys(props).length === 0 ? {} : { properties: props }),
            }),
          );
        },
      ),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(ackCmd, messageId, fc.nat(), someProperties(ACK_PROPS), (cmd, id, pick, props) => {
        const codes = cmd === 'pubrel' || cmd === 'pubcomp' ? [0x00, 0x92] : serverCodes('PUBACK');
        const reasonCode = codes[pick % codes.length] as number;
        expect(decodeOnly(encodeAckV5(cmd, id, reasonCode, props))).toEqual(
          plain({
            cmd,
            messageId: id,
            reasonCode,
            ...(Object.keys(props).length === 0 ? {} : { properties: props }),
          }),
        );
      }),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...serverCodes('DISCONNECT')),
        someProperties(['reasonString', 'userProperties']),
        (code, props) => {
          expect(decodeOnly(encodeDisconnectV5(code, props))).toEqual(
            plain({
              cmd: 'disconnect',
              reasonCode: code,
              ...(Object.keys(props).length === 0 ? {} : { properties: props }),
            }),
          );
        },
      ),
      { numRuns: 100 },
    );
    fc.assert(
      fc.property(
        fc.constantFrom(0x00, 0x18),
        text(),
        someProperties(['authenticationData', 'reasonString']),
        (code, method, rest) => {
          const props = { authenticationMethod: method, ...rest };
          expect(decodeOnly(encodeAuth(code, props))).toEqual(
            plain({ cmd: 'auth', reasonCode: code, properties: props }),
          );
        },
      ),
      { numRuns: 100 },
    );
  });
});
