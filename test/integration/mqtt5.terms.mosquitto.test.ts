/**
 * The CONNACK terms and topic aliases against a stock mosquitto (spec R249-R251), with the wire
 * validator on: mosquitto announces Topic Alias Maximum 10 and, configured, a Maximum Packet
 * Size. An alias it could not resolve, or a packet above its limit, would make it close the
 * connection; a 3.1.1 subscriber receiving the full topics proves it resolved every alias.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countingTransport } from '../../bench/clients/countingTransport.js';
import { SizeLimitError } from '../../errors.js';
import { haveMosquitto, type MosquittoHandle, startMosquitto } from '../support/brokers.js';
import { recordClient, waitForClientEvent } from '../support/clientEvents.js';
import { connect, server, useResources } from '../support/integration.js';

const { makeClient } = useResources();

describe.runIf(haveMosquitto)('MQTT 5 terms against mosquitto', () => {
  let broker: MosquittoHandle;
  beforeAll(async () => {
    broker = await startMosquitto({ config: 'max_packet_size 512' });
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('R250: aliased publishes reach a subscriber under their full topics, in fewer bytes than without aliases', async () => {
    const subscriber = makeClient({ servers: [server(broker.port, { clientId: 'alias-sub' })] });
    const received = recordClient(subscriber);
    subscriber.subscribe('alias/#', { qos: 1 }).subscribe({ error: () => {} });
    await connect(subscriber);
    await waitForClientEvent(subscriber, 'suback').catch(() => undefined);
    const topics = [
      'alias/sensors/building-7/floor-3/temperature',
      'alias/sensors/building-7/floor-3/humidity',
    ];
    const run = async (clientId: string, outboundTopicAliases: number | undefined) => {
      const count = countingTransport();
      const { createV5Profile } = await import('../../runtime/profileV5.js');
      const publisher = makeClient({
        servers: [server(broker.port, { clientId })],
        protocolVersion: 5,
        transport: count.transport,
        ...(outboundTopicAliases === undefined ? {} : { mqtt5: createV5Profile({ outboundTopicAliases }) }),
      });
      await connect(publisher);
      const before = count.written();
      for (let i = 0; i < 50; i++) await publisher.publish(topics[i % 2] as string, `m${i}`, { qos: 1 });
      const bytes = count.written() - before;
      await publisher.disconnect();
      return bytes;
    };
    const aliased = await run('alias-pub', undefined);
    const plain = await run('plain-pub', 0);
    const all = () => received.filter((e) => e.type === 'message');
    while (all().length < 100) await waitForClientEvent(subscriber, 'message');
    const got = all().map((e) => (e.type === 'message' ? e.topic : ''));
    expect(got).toEqual([...Array(50).keys(), ...Array(50).keys()].map((i) => topics[i % 2]));
    // 48 of the 50 PUBLISHes carry an empty topic and a 3-byte alias instead of 43-46 bytes.
    expect(plain - aliased).toBeGreaterThan(48 * 35);
  });

  it('R249: a publish above the Maximum Packet Size mosquitto announces is refused by the client, which stays connected', async () => {
    const client = makeClient({
      servers: [server(broker.port, { clientId: 'big-pub' })],
      protocolVersion: 5,
    });
    await connect(client);
    const error = await client.publish('big', new Uint8Array(600), { qos: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SizeLimitError);
    expect(error).toMatchObject({ code: 'PACKET_TOO_LARGE', limit: 512 });
    await client.publish('small', new Uint8Array(100), { qos: 1 });
    expect(client.state).toBe('connected');
  });
});
