/**
 * MQTT 5 will properties (spec R300): a server's `will.properties` reach the MQTT 5 CONNECT (parsed
 * by mqtt-packet as MQTT 5); on MQTT 3.1.1 they fail the attempt with a typed error.
 */
import type * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { buildConnect } from '../protocol/connect.js';
import { v5Client } from '../test/support/fakeV5.js';
import { flush } from '../test/support/promises.js';

describe('will properties (R300)', () => {
  it('R300: the Will Delay Interval and the other will properties go in the MQTT 5 CONNECT', async () => {
    const { client, net } = v5Client(
      {},
      {
        will: {
          topic: 'dev/1/status',
          payload: 'offline',
          qos: 1,
          properties: {
            willDelayInterval: 30,
            messageExpiryInterval: 600,
            contentType: 'text/plain',
            payloadFormatIndicator: true,
            userProperties: [['reason', 'lost']],
          },
        },
      },
    );
    void client.connect();
    net.connections[0]?.handlers.onOpen();
    await flush();
    const connect = net.connections[0]?.written.find((p) => p.cmd === 'connect') as mqtt.IConnectPacket;
    expect(connect.will).toMatchObject({
      topic: 'dev/1/status',
      qos: 1,
      properties: {
        willDelayInterval: 30,
        messageExpiryInterval: 600,
        contentType: 'text/plain',
        payloadFormatIndicator: true,
        userProperties: { reason: 'lost' },
      },
    });
  });

  it('R300: will properties on MQTT 3.1.1 are an InvalidArgumentError, not left out', () => {
    expect(() =>
      buildConnect({
        clientId: 'c',
        will: { topic: 't', payload: 'x', properties: { willDelayInterval: 5 } },
      }),
    ).toThrow(InvalidArgumentError);
  });
});
