/**
 * MQTT 5 publish properties meet the broker's CONNACK terms (spec R249, R252, R305), against a
 * scripted broker whose packets mqtt-packet parses as MQTT 5: a publish is admitted at its size
 * with its properties, and a topic alias shares one property block with them. Every client here
 * runs with the wire validator on (`makeClient`).
 */
import type * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { SizeLimitError } from '../../errors.js';
import type { MqttClient, MqttClientOptions } from '../../runtime/client.js';
import { recordClient } from '../support/clientEvents.js';
import { type FakeConnection, publishesOf } from '../support/fakeBroker.js';
import { connect, server, useResources } from '../support/integration.js';

const { fakeBroker: fake, makeClient } = useResources();

type ConnackProps = mqtt.IConnackPacket['properties'];

/** A broker that accepts with `properties` and acknowledges QoS 1. */
const announcing = (properties: ConnackProps) =>
  fake((c, p) => {
    if (p.cmd === 'connect') {
      c.send({ cmd: 'connack', reasonCode: 0, sessionPresent: false, properties } as mqtt.IConnackPacket);
    }
    if (p.cmd === 'publish' && p.qos === 1) c.send({ cmd: 'puback', messageId: p.messageId as number });
  });

const v5Client = (port: number, options: Partial<MqttClientOptions> = {}): MqttClient =>
  makeClient({ servers: [server(port, { clientId: 'props-terms' })], protocolVersion: 5, ...options });

/** User properties of about `bytes` bytes on the wire. */
const heavy = { userProperties: [['k', 'v'.repeat(60)]] as const };

describe("publish properties and the broker's Maximum Packet Size (R249, R305)", () => {
  it('R249, R305: a QoS 1 or 2 publish that only its properties push over the limit rejects with PACKET_TOO_LARGE before it gets a packet id, and is never written', async () => {
    const broker = await announcing({ maximumPacketSize: 64 });
    const client = v5Client(broker.port);
    await connect(client);
    for (const qos of [0, 1, 2] as const) {
      // 10 bytes of payload fit; the properties do not.
      const error = await client
        .publish('t', 'x'.repeat(10), { qos, properties: heavy })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SizeLimitError);
      expect(error).toMatchObject({ code: 'PACKET_TOO_LARGE', limit: 64 });
      expect((error as SizeLimitError).size).toBeGreaterThan(64);
    }
    // Nothing held: no queued message, no id, and the next publish goes as usual.
    expect(client.session.queueLength).toBe(0);
    await client.publish('t', 'ok', { qos: 1, properties: { contentType: 'a/b' } });
    const sent = publishesOf(broker.connections[0] as FakeConnection);
    expect(sent.map((p) => [p.payload.toString(), p.properties?.contentType])).toEqual([['ok', 'a/b']]);
    expect(sent[0]?.messageId).toBe(1);
    expect(client.state).toBe('connected');
    expect(broker.connections).toHaveLength(1);
  });

  it('R252, R305: a message queued offline whose properties exceed the limit the CONNACK announces is dropped (refused) with the typed error; the others go in order', async () => {
    const broker = await announcing({ maximumPacketSize: 64 });
    const client = v5Client(broker.port);
    const events = recordClient(client);
    const first = client.publish('q/1', 'a', { qos: 1, properties: { contentType: 'x' } });
    const big = client.publish('q/big', 'b', { qos: 1, properties: heavy }).catch((e: unknown) => e);
    const last = client.publish('q/2', 'c', { qos: 1 });
    await connect(client);
    await Promise.all([first, last]);
    expect(await big).toMatchObject({ code: 'PACKET_TOO_LARGE', limit: 64 });
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'drop', reason: 'refused', topic: 'q/big' }),
    );
    expect(publishesOf(broker.connections[0] as FakeConnection).map((p) => p.topic)).toEqual(['q/1', 'q/2']);
  });
});

describe('topic aliases with publish properties (R250, R305)', () => {
  it('R305: a publish with properties gets a topic alias, in the same property block as its properties', async () => {
    const broker = await announcing({ topicAliasMaximum: 2 });
    const client = v5Client(broker.port);
    await connect(client);
    const properties = {
      userProperties: [
        ['a', '1'],
        ['a', '2'],
      ] as const,
      contentType: 'text/plain',
      correlationData: new Uint8Array([7, 8]),
      messageExpiryInterval: 100,
    };
    await client.publish('p/1', 'one', { qos: 1, properties });
    await client.publish('p/1', 'two', { qos: 1, properties });
    await client.publish('p/1', 'three', { qos: 1 });
    await client.publish('p/1', 'four', { properties: { contentType: 'q/0' } });
    await client.publish('p/2', 'five', { qos: 1 });
    const sent = publishesOf(broker.connections[0] as FakeConnection);
    expect(sent.map((p) => [p.topic, p.properties?.topicAlias, p.payload.toString()])).toEqual([
      ['p/1', 1, 'one'],
      ['', 1, 'two'],
      ['', 1, 'three'],
      ['', 1, 'four'],
      ['p/2', 2, 'five'],
    ]);
    for (const p of sent.slice(0, 2)) {
      expect(p.properties).toMatchObject({
        userProperties: { a: ['1', '2'] },
        contentType: 'text/plain',
        messageExpiryInterval: 100,
      });
      expect([...(p.properties?.correlationData ?? [])]).toEqual([7, 8]);
    }
    expect(sent[2]?.properties?.contentType).toBeUndefined();
    expect(sent[3]?.properties?.contentType).toBe('q/0');
    expect(client.state).toBe('connected');
  });

  it('R249, R305: no alias when the alias would push a publish with properties over the limit; it goes with its full topic', async () => {
    // 't' + 2-byte id + payload 20 + properties: the 3 alias bytes are what does not fit.
    const broker = await announcing({ topicAliasMaximum: 2, maximumPacketSize: 43 });
    const client = v5Client(broker.port);
    await connect(client);
    const properties = { contentType: 'x'.repeat(10) };
    await client.publish('t', 'y'.repeat(20), { qos: 1, properties });
    await client.publish('t', 'y'.repeat(10), { qos: 1, properties });
    const sent = publishesOf(broker.connections[0] as FakeConnection);
    expect(sent.map((p) => [p.topic, p.properties?.topicAlias])).toEqual([
      ['t', undefined],
      ['t', 1],
    ]);
  });
});
