/**
 * A QoS >= 1 publish with MQTT 5 properties against the broker's Maximum Packet Size (spec R249,
 * R336): it is held against the limit at its size with the properties, so one that fits only
 * without them rejects with a SizeLimitError and is never written. The wire check found this
 * one: such a publish used to be admitted at its size without the properties and written too big.
 */
import type * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { SizeLimitError } from '../../errors.js';
import { type FakeConnection, publishesOf } from '../support/fakeBroker.js';
import { connect, server, useResources } from '../support/integration.js';

const { fakeBroker: fake, makeClient } = useResources();

/** A broker with Maximum Packet Size 64 that completes QoS 1 and 2. */
const small = () =>
  fake((c, p) => {
    if (p.cmd === 'connect')
      c.send({
        cmd: 'connack',
        reasonCode: 0,
        sessionPresent: false,
        properties: { maximumPacketSize: 64 },
      } as mqtt.IConnackPacket);
    if (p.cmd === 'publish' && p.qos === 1) c.send({ cmd: 'puback', messageId: p.messageId as number });
    if (p.cmd === 'publish' && p.qos === 2) c.send({ cmd: 'pubrec', messageId: p.messageId as number });
    if (p.cmd === 'pubrel') c.send({ cmd: 'pubcomp', messageId: p.messageId });
  });

describe('R249, R336: publish properties count toward the broker Maximum Packet Size', () => {
  it('R252: one queued before the CONNACK is dropped at the CONNACK with its properties counted, not written', async () => {
    const broker = await small();
    const client = makeClient({ servers: [server(broker.port, { clientId: 'queued' })], protocolVersion: 5 });
    const properties = { contentType: 'x'.repeat(30) };
    const queued = client.publish('t', new Uint8Array(40), { qos: 1, properties }).catch((e: unknown) => e);
    await connect(client);
    expect(await queued).toMatchObject({ code: 'PACKET_TOO_LARGE', size: 81, limit: 64 });
    await client.publish('t', 'ok', { qos: 1 });
    const sent = publishesOf(broker.connections[0] as FakeConnection);
    expect(sent.map((p) => p.payload.toString())).toEqual(['ok']);
  });

  it.each([1, 2] as const)(
    'R249: a QoS %i publish that fits only without its properties rejects and is not written; a smaller one goes',
    async (qos) => {
      const broker = await small();
      const client = makeClient({
        servers: [server(broker.port, { clientId: 'sized' })],
        protocolVersion: 5,
      });
      await connect(client);
      const properties = { contentType: 'x'.repeat(30) };
      // 40 bytes of payload fit in 64 without the 33 bytes of Content Type, not with them.
      const error = await client
        .publish('t', new Uint8Array(40), { qos, properties })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SizeLimitError);
      expect(error).toMatchObject({ code: 'PACKET_TOO_LARGE', size: 81, limit: 64 });
      await client.publish('t', new Uint8Array(10), { qos, properties });
      const sent = publishesOf(broker.connections[0] as FakeConnection);
      expect(sent.map((p) => [p.payload.length, p.properties?.contentType])).toEqual([
        [10, properties.contentType],
      ]);
    },
  );
});
