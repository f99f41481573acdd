/**
 * An MQTT 5 broker's CONNACK terms on the wire (spec R249-R255), against scripted brokers that
 * announce what stock brokers will not on cue: a small Maximum Packet Size, Maximum QoS 1, Retain
 * Available 0, a Topic Alias Maximum; and the 0x9C redirects with a Server Reference (R265, R266).
 * Every client here runs with the wire validator on (`makeClient`).
 */
import type * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { CapabilityError, SizeLimitError } from '../../errors.js';
import type { MqttClient, MqttClientOptions } from '../../runtime/client.js';
import { recordClient, waitForClientEvent } from '../support/clientEvents.js';
import { type FakeConnection, publishesOf } from '../support/fakeBroker.js';
import { connect, server, useResources } from '../support/integration.js';

const { fakeBroker: fake, makeClient } = useResources();

type ConnackProps = mqtt.IConnackPacket['properties'];

const connackOf = (reasonCode: number, properties: ConnackProps = {}): mqtt.IConnackPacket =>
  ({ cmd: 'connack', reasonCode, sessionPresent: false, properties }) as mqtt.IConnackPacket;

/** A broker that accepts with `properties` (per connection) and acknowledges QoS 1 and 2. */
const announcing = (properties: (index: number) => ConnackProps) =>
  fake((c, p) => {
    if (p.cmd === 'connect') c.send(connackOf(0, properties(c.index)));
    if (p.cmd === 'publish' && p.qos === 1) c.send({ cmd: 'puback', messageId: p.messageId as number });
    if (p.cmd === 'publish' && p.qos === 2) c.send({ cmd: 'pubrec', messageId: p.messageId as number });
    if (p.cmd === 'pubrel') c.send({ cmd: 'pubcomp', messageId: p.messageId });
    if (p.cmd === 'subscribe') {
      c.send({ cmd: 'suback', messageId: p.messageId, granted: p.subscriptions.map(() => 0) });
    }
  });

const v5Client = (port: number, options: Partial<MqttClientOptions> = {}): MqttClient =>
  makeClient({ servers: [server(port, { clientId: 'terms' })], protocolVersion: 5, ...options });

const payload = (bytes: number) => new Uint8Array(bytes).fill(0x61);

describe("an MQTT 5 broker's Maximum Packet Size (R249, R252)", () => {
  it('R249: a publish above it rejects with a SizeLimitError naming the broker limit and is never written; smaller ones go', async () => {
    const broker = await announcing(() => ({ maximumPacketSize: 64 }));
    const client = v5Client(broker.port);
    await connect(client);
    for (const qos of [0, 1, 2] as const) {
      const error = await client.publish('big', payload(100), { qos }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SizeLimitError);
      expect(error).toMatchObject({ code: 'PACKET_TOO_LARGE', limit: 64 });
      expect((error as Error).message).toMatch(
        /exceeds the broker's Maximum Packet Size \(CONNACK\) \(64 bytes\)/,
      );
      // publishNow says it at once, by throwing.
      expect(() => client.publishNow('big', payload(100), qos, false)).toThrow(SizeLimitError);
    }
    // QoS 0 first: the PUBACK of the QoS 1 after it says the broker has read both.
    await client.publish('small', payload(20), { qos: 0 });
    await client.publish('small', payload(20), { qos: 1 });
    const sent = publishesOf(broker.connections[0] as FakeConnection);
    expect(sent.map((p) => p.topic)).toEqual(['small', 'small']);
    expect(client.state).toBe('connected');
  });

  it('R252: a queued message too large for the broker it meets rejects with the error (event drop, refused) and is not resent; the others are delivered in order', async () => {
    const broker = await announcing(() => ({ maximumPacketSize: 64 }));
    const client = v5Client(broker.port);
    const events = recordClient(client);
    // Queued while offline, before any CONNACK said anything.
    const first = client.publish('q/1', payload(10), { qos: 1 });
    const big = client.publish('q/big', payload(100), { qos: 1 }).catch((e: unknown) => e);
    const last = client.publish('q/2', payload(10), { qos: 2 });
    await connect(client);
    await Promise.all([first, last]);
    const error = await big;
    expect(error).toBeInstanceOf(SizeLimitError);
    expect(error).toMatchObject({ code: 'PACKET_TOO_LARGE', limit: 64 });
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'drop', reason: 'refused', topic: 'q/big' }),
    );
    expect(publishesOf(broker.connections[0] as FakeConnection).map((p) => p.topic)).toEqual(['q/1', 'q/2']);
  });

  it('R252: a message in flight on a connection without a limit, unacknowledged, is refused (not resent) when the next CONNACK announces a smaller one', async () => {
    const broker = await fake((c, p) => {
      if (p.cmd === 'connect') c.send(connackOf(0, c.index === 0 ? {} : { maximumPacketSize: 64 }));
      // The first connection takes the PUBLISH and drops without PUBACK.
      if (p.cmd === 'publish' && c.index === 0) c.destroy();
      if (p.cmd === 'publish' && c.index > 0) c.send({ cmd: 'puback', messageId: p.messageId as number });
    });
    const client = v5Client(broker.port);
    await connect(client);
    const big = client.publish('big', payload(100), { qos: 1 }).catch((e: unknown) => e);
    const error = await big;
    expect(error).toBeInstanceOf(SizeLimitError);
    expect(error).toMatchObject({ limit: 64 });
    await client.publish('after', payload(10), { qos: 1 });
    expect(publishesOf(broker.connections[0] as FakeConnection).map((p) => p.topic)).toEqual(['big']);
    expect(publishesOf(broker.connections[1] as FakeConnection).map((p) => p.topic)).toEqual(['after']);
  });

  it('R236, R256: the client announces its own limit (maxIncomingPacketBytes) and its Topic Alias Maximum, 10 by default', async () => {
    const broker = await announcing(() => ({}));
    const client = v5Client(broker.port, { maxIncomingPacketBytes: 1000 });
    await connect(client);
    expect(broker.connections[0]?.packets[0]).toMatchObject({
      cmd: 'connect',
      properties: { maximumPacketSize: 1000, topicAliasMaximum: 10 },
    });
  });
});

describe("an MQTT 5 broker's capabilities (R253-R255)", () => {
  it('R253: Maximum QoS 1: a QoS 2 publish rejects with CapabilityError 0x9B, nothing written; maxQos 1 downgrades instead', async () => {
    const broker = await announcing(() => ({ maximumQoS: 1 }));
    const client = v5Client(broker.port);
    await connect(client);
    const error = await client.publish('t', 'x', { qos: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CapabilityError);
    expect(error).toMatchObject({ code: 'BROKER_CAPABILITY', reasonCode: 0x9b });
    expect((error as Error).message).toMatch(/QoS 2 \(CONNACK Maximum QoS 1\)/);
    // The Mongoose downgrade (session maxQos / setMaxQos) caps before the check.
    client.setMaxQos(1);
    await client.publish('t', 'y', { qos: 2 });
    const sent = publishesOf(broker.connections[0] as FakeConnection);
    expect(sent.map((p) => [p.payload.toString(), p.qos])).toEqual([['y', 1]]);
    expect(client.state).toBe('connected');
  });

  it('R254: Retain Available 0: a retained publish rejects with CapabilityError 0x9A (QoS 0 and 1), nothing written', async () => {
    const broker = await announcing(() => ({ retainAvailable: false }));
    const client = v5Client(broker.port);
    await connect(client);
    for (const qos of [0, 1] as const) {
      const error = await client.publish('t', 'x', { qos, retain: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CapabilityError);
      expect(error).toMatchObject({ code: 'BROKER_CAPABILITY', reasonCode: 0x9a });
    }
    await client.publish('t', 'plain', { qos: 1 });
    const sent = publishesOf(broker.connections[0] as FakeConnection);
    expect(sent.map((p) => [p.payload.toString(), p.retain])).toEqual([['plain', false]]);
  });
});

describe('R255: subscription capabilities', () => {
  const noWildcardsNoShared = () =>
    announcing(() => ({ wildcardSubscriptionAvailable: false, sharedSubscriptionAvailable: false }));

  it('R255: Wildcard / Shared Subscription Available 0: those filters fail with the code the broker would send and never reach it; the others are subscribed', async () => {
    const broker = await noWildcardsNoShared();
    const client = v5Client(broker.port);
    const errors = new Map<string, unknown>();
    for (const filter of ['w/+', '$share/g/t', 'plain/t']) {
      client.subscribe(filter).subscribe({ error: (e: unknown) => errors.set(filter, e) });
    }
    await connect(client);
    const granted = await client.subscribeAsync('plain/u');
    expect(granted).toEqual([{ filter: 'plain/u', qos: 0 }]);
    expect(errors.get('w/+')).toMatchObject({ code: 'SUBSCRIBE_FAILED', filter: 'w/+', reasonCode: 0xa2 });
    expect((errors.get('w/+') as Error).message).toMatch(
      /Wildcard Subscriptions not supported \(reason code 0xA2\)/,
    );
    expect(errors.get('$share/g/t')).toMatchObject({ code: 'SUBSCRIBE_FAILED', reasonCode: 0x9e });
    expect(errors.has('plain/t')).toBe(false);
    const sent = (broker.connections[0] as FakeConnection).packets.flatMap((p) =>
      p.cmd === 'subscribe' ? p.subscriptions.map((s) => s.topic) : [],
    );
    expect(sent).toEqual(['plain/t', 'plain/u']);
    expect(client.state).toBe('connected');
  });

  it('R255: a SUBSCRIBE of refused filters only is answered by the client, and nothing is sent', async () => {
    const broker = await noWildcardsNoShared();
    const client = v5Client(broker.port);
    await connect(client);
    const error = await client.subscribeAsync(['a/#', '$share/g/b']).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SUBSCRIBE_FAILED', filters: ['a/#', '$share/g/b'] });
    await client.subscribeAsync('ok');
    const cmds = (broker.connections[0] as FakeConnection).packets.map((p) => p.cmd);
    expect(cmds.filter((c) => c === 'subscribe')).toHaveLength(1);
  });
});

describe('topic aliases (R250, R251)', () => {
  it('R250: within the broker Topic Alias Maximum, a topic is sent in full with an alias once, then by alias alone; aliases restart on each connection', async () => {
    const broker = await announcing(() => ({ topicAliasMaximum: 2 }));
    const client = v5Client(broker.port);
    await connect(client);
    for (const topic of ['a/1', 'a/1', 'a/2', 'a/1', 'a/3', 'a/2'])
      await client.publish(topic, 'x', { qos: 1 });
    const sent = publishesOf(broker.connections[0] as FakeConnection).map((p) => [
      p.topic,
      p.properties?.topicAlias,
    ]);
    expect(sent).toEqual([
      ['a/1', 1],
      ['', 1],
      ['a/2', 2],
      ['', 1],
      // Both aliases taken and 'a/3' seen once: no alias.
      ['a/3', undefined],
      ['', 2],
    ]);
    // A new connection: the broker forgot every alias, so the topic goes in full again.
    const again = waitForClientEvent(client, 'connected');
    (broker.connections[0] as FakeConnection).destroy();
    await again;
    await client.publish('a/1', 'x', { qos: 1 });
    expect(
      publishesOf(broker.connections[1] as FakeConnection).map((p) => [p.topic, p.properties?.topicAlias]),
    ).toEqual([['a/1', 1]]);
  });

  it('R250: a broker without Topic Alias Maximum gets every topic in full', async () => {
    const broker = await announcing(() => ({}));
    const client = v5Client(broker.port);
    await connect(client);
    await client.publish('a', 'x', { qos: 1 });
    await client.publish('a', 'x', { qos: 1 });
    const sent = publishesOf(broker.connections[0] as FakeConnection);
    expect(sent.map((p) => [p.topic, p.properties?.topicAlias])).toEqual([
      ['a', undefined],
      ['a', undefined],
    ]);
  });

  it('R251: the client resolves the aliases the broker sends; an unknown alias closes the connection with DISCONNECT 0x82', async () => {
    const broker = await fake((c, p) => {
      if (p.cmd === 'connect') c.send(connackOf(0));
      if (p.cmd !== 'subscribe') return;
      c.send({ cmd: 'suback', messageId: p.messageId, granted: [0] });
      if (c.index !== 0) return;
      const publish = (topic: string, alias: number, text: string) =>
        c.send({
          cmd: 'publish',
          topic,
          payload: Buffer.from(text),
          qos: 0,
          dup: false,
          retain: false,
          properties: { topicAlias: alias },
        });
      publish('s/1', 1, 'one');
      publish('', 1, 'two');
      publish('s/2', 1, 'three');
      publish('', 1, 'four');
      publish('', 7, 'unknown');
    });
    const client = v5Client(broker.port);
    const events = recordClient(client);
    const dropped = waitForClientEvent(client, 'disconnected');
    client.subscribe('s/#').subscribe({ error: () => {} });
    client.connect();
    expect((await dropped).error).toMatchObject({ code: 'PROTOCOL_ERROR', reasonCode: 0x82 });
    const got = events.flatMap((e) => (e.type === 'message' ? [[e.topic, e.text]] : []));
    expect(got).toEqual([
      ['s/1', 'one'],
      ['s/1', 'two'],
      ['s/2', 'three'],
      ['s/2', 'four'],
    ]);
    const first = broker.connections[0] as FakeConnection;
    await first.closed;
    expect(first.packets.at(-1)).toMatchObject({ cmd: 'disconnect', reasonCode: 0x82 });
  });
});

describe('0x9C Use another server with a Server Reference, on the wire (R265, R266)', () => {
  const accepting = () => fake((c, p) => (p.cmd === 'connect' ? c.send(connackOf(0)) : undefined));

  it('R265, R266: CONNACK 0x9C sends the next attempt to the referenced server, as a label', async () => {
    const target = await accepting();
    const busy = await fake((c, p) => {
      if (p.cmd === 'connect') c.send(connackOf(0x9c, { serverReference: `127.0.0.1:${target.port}` }));
    });
    const client = v5Client(busy.port);
    const connected = waitForClientEvent(client, 'connected');
    client.connect();
    expect(await connected).toMatchObject({ server: 'ref-1', serverIndex: 1 });
    expect(target.connections).toHaveLength(1);
    expect(busy.connections).toHaveLength(1);
  });

  it('R265, R266: DISCONNECT 0x9C with a Server Reference moves the session to the referenced server, and the detour is not kept', async () => {
    const target = await fake((c, p) => {
      if (p.cmd !== 'connect') return;
      c.send(connackOf(0));
      // The detour's session ends: the client goes back to the ring (R266).
      if (c.index === 0) c.destroy();
    });
    const home = await fake((c, p) => {
      if (p.cmd !== 'connect') return;
      c.send(connackOf(0));
      if (c.index === 0) {
        c.send({
          cmd: 'disconnect',
          reasonCode: 0x9c,
          properties: { serverReference: `127.0.0.1:${target.port}` },
        });
        c.destroy();
      }
    });
    const client = v5Client(home.port, {
      servers: [server(home.port, { clientId: 'terms', minDelayMs: 10, maxDelayMs: 20 })],
    });
    const dropped = waitForClientEvent(client, 'disconnected');
    const detour = waitForClientEvent(client, 'connected', (e) => e.server === 'ref-1');
    const back = waitForClientEvent(client, 'connected', (e) => e.server !== 'ref-1', { count: 2 });
    client.connect();
    expect((await dropped).error).toMatchObject({ code: 'SERVER_DISCONNECT', reasonCode: 0x9c });
    await detour;
    await back;
    expect(target.connections).toHaveLength(1);
    expect(home.connections).toHaveLength(2);
  });
});
