/**
 * MQTT 5 message properties through the client (spec R290-R294), on a fake MQTT 5 network and a
 * simulated clock: what goes out on the wire (parsed by mqtt-packet as MQTT 5), what comes in,
 * and the Message Expiry Interval of messages waiting in the offline queue.
 */
import type * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { MqttClient } from '../adapters/node.js';
import { InvalidArgumentError, InvalidTopicError, MessageDroppedError } from '../errors.js';
import { v5Client } from '../test/support/fakeV5.js';
import { flush } from '../test/support/promises.js';
import type { ClientEvent, Message } from './types.js';

describe('publish properties (R290)', () => {
  it('R290: QoS 0, 1 and 2 publishes carry their properties on the MQTT 5 wire', async () => {
    const { client, up, sent } = v5Client();
    void client.connect();
    const wire = up(0);
    await flush();
    const properties = {
      userProperties: [
        ['a', '1'],
        ['a', '2'],
        ['b', 'x'],
      ] as const,
      contentType: 'application/json',
      payloadFormatIndicator: true,
      responseTopic: 'reply/here',
      correlationData: new Uint8Array([1, 2, 3]),
    };
    void client.publish('t/0', '{}', { properties });
    void client.publish('t/1', '{}', { qos: 1, properties });
    void client.publish('t/plain', 'no props', { qos: 1 });
    const publishes = sent<mqtt.IPublishPacket>(0, 'publish');
    expect(publishes.map((p) => p.topic)).toEqual(['t/0', 't/1', 't/plain']);
    for (const p of publishes.slice(0, 2)) {
      expect(p.properties).toMatchObject({
        userProperties: { a: ['1', '2'], b: 'x' },
        contentType: 'application/json',
        payloadFormatIndicator: true,
        responseTopic: 'reply/here',
      });
      expect([...(p.properties?.correlationData ?? [])]).toEqual([1, 2, 3]);
    }
    expect(publishes[2]?.properties ?? {}).toEqual({});
    expect(wire.written.some((p) => p.cmd === 'error')).toBe(false);
    // The table forgets a completed publish.
    wire.reply({ cmd: 'puback', messageId: publishes[1]?.messageId ?? 0, reasonCode: 0 });
    expect(client.lifecycle.connection.outboundProps?.size).toBe(0);
  });

  it('R290: a publish with properties on a client whose server speaks MQTT 3.1.1 rejects with InvalidArgumentError', async () => {
    const client = new MqttClient({ servers: [{ host: 'h', port: 1 }] });
    await expect(
      client.publish('t', 'x', { properties: { contentType: 'text/plain' } }),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('R290, R292: bad properties reject with a typed error and nothing is written', async () => {
    const { client, up, sent } = v5Client();
    void client.connect();
    up(0);
    await flush();
    const bad = [
      [{ payloadFormatIndicator: true }, new Uint8Array([0xff, 0xfe]), InvalidArgumentError],
      [{ messageExpiryInterval: 0 }, 'x', InvalidArgumentError],
      [{ messageExpiryInterval: 1.5 }, 'x', InvalidArgumentError],
      [{ contentType: 'a\u0000b' }, 'x', InvalidArgumentError],
      [{ userProperties: [['k', '\ud800']] }, 'x', InvalidArgumentError],
      [{ responseTopic: 'r/#' }, 'x', InvalidTopicError],
      [{ correlationData: new Uint8Array(70_000) }, 'x', InvalidArgumentError],
    ] as const;
    for (const [properties, payload, type] of bad) {
      await expect(client.publish('t', payload, { qos: 1, properties })).rejects.toBeInstanceOf(type);
    }
    expect(sent(0, 'publish')).toEqual([]);
    // A UTF-8 payload that says so is fine, as bytes or as a string.
    await expect(
      Promise.race([
        client.publish('t', new TextEncoder().encode('é'), { properties: { payloadFormatIndicator: true } }),
        flush().then(() => 'pending'),
      ]),
    ).resolves.not.toThrow();
    expect(sent(0, 'publish')).toHaveLength(1);
  });
});

describe('message expiry in the offline queue (R291)', () => {
  it('R291: a queued message past its expiry is dropped, never sent; one still alive goes with what is left', async () => {
    const { client, up, sent, clock } = v5Client();
    const events: ClientEvent[] = [];
    client.onEvent((e) => events.push(e));
    // Offline: both wait in the queue from t = 0.
    const short = client.publish('t/short', 'a', { qos: 1, properties: { messageExpiryInterval: 10 } });
    const long = client.publish('t/long', 'b', { qos: 1, properties: { messageExpiryInterval: 60 } });
    const outcome = short.then(
      () => 'sent',
      (e: unknown) => e,
    );
    clock.increment(10_500);
    void client.connect();
    const wire = up(0);
    await flush();
    const publishes = sent<mqtt.IPublishPacket>(0, 'publish');
    expect(publishes.map((p) => p.topic)).toEqual(['t/long']);
    // 60 s less the 10 whole seconds it waited.
    expect(publishes[0]?.properties?.messageExpiryInterval).toBe(50);
    const error = await outcome;
    expect(error).toBeInstanceOf(MessageDroppedError);
    expect((error as MessageDroppedError).message).toMatch(/expired/);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'drop', reason: 'expired', topic: 't/short', qos: 1 }),
    );
    wire.reply({ cmd: 'puback', messageId: publishes[0]?.messageId ?? 0, reasonCode: 0 });
    await expect(long).resolves.toBeUndefined();
  });
});

describe('received properties (R293, R294)', () => {
  it('R293: a received message carries its properties and Subscription Identifiers; none on a plain one', async () => {
    const { client, up } = v5Client();
    const got: Message[] = [];
    client.onMessage((m) => got.push(m));
    void client.connect();
    const wire = up(0);
    await flush();
    wire.reply({
      cmd: 'publish',
      topic: 'a/b',
      payload: Buffer.from('hi'),
      qos: 0,
      dup: false,
      retain: false,
      properties: {
        userProperties: { k: ['v1', 'v2'] },
        contentType: 'text/plain',
        payloadFormatIndicator: true,
        messageExpiryInterval: 30,
        responseTopic: 'r/1',
        correlationData: Buffer.from([9]),
        subscriptionIdentifier: [3, 7],
      },
    });
    wire.reply({
      cmd: 'publish',
      topic: 'a/c',
      payload: Buffer.from('x'),
      qos: 0,
      dup: false,
      retain: false,
    });
    expect(got).toHaveLength(2);
    expect(got[0]?.properties).toMatchObject({
      userProperties: [
        ['k', 'v1'],
        ['k', 'v2'],
      ],
      contentType: 'text/plain',
      payloadFormatIndicator: true,
      messageExpiryInterval: 30,
      responseTopic: 'r/1',
      subscriptionIdentifiers: [3, 7],
    });
    expect([...(got[0]?.properties?.correlationData ?? [])]).toEqual([9]);
    expect(got[1]).not.toHaveProperty('properties');
  });

  it('R294: a PUBLISH whose payload is not the UTF-8 its indicator says gets DISCONNECT 0x99 and is not delivered', async () => {
    const { client, up } = v5Client({ onRefused: 'retry' });
    const got: Message[] = [];
    client.onMessage((m) => got.push(m));
    void client.connect();
    const wire = up(0);
    await flush();
    wire.reply({
      cmd: 'publish',
      topic: 'a/b',
      payload: Buffer.from([0xc3, 0x28]),
      qos: 1,
      messageId: 5,
      dup: false,
      retain: false,
      properties: { payloadFormatIndicator: true },
    });
    expect(got).toEqual([]);
    const disconnect = wire.written.find((p) => p.cmd === 'disconnect') as mqtt.IDisconnectPacket | undefined;
    expect(disconnect?.reasonCode).toBe(0x99);
    expect(wire.written.some((p) => p.cmd === 'puback')).toBe(false);
  });
});
