/**
 * `subscribeAsync` on real sockets (spec R166-R169). Against mosquitto: a list of three filters
 * goes in one SUBSCRIBE, resolves with the granted QoS per filter, the filters receive, and
 * `unsubscribeAsync` resolves on UNSUBACK. mosquitto 2.0's `acl_file` does not refuse a 3.1.1
 * SUBSCRIBE (it grants it and filters deliveries: checked, `topic deny` included), so the refusal
 * is played by a scripted broker on a loopback socket, which answers 0x80 for one filter of three.
 */
import type * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { ClientClosedError } from '../../errors.js';
import { SubscribeRefusedError } from '../../runtime/subscribeAsync.js';
import { haveMosquitto } from '../support/brokers.js';
import { waitForCount } from '../support/clientEvents.js';
import { connack } from '../support/fakeBroker.js';
import { connect, server, useResources } from '../support/integration.js';

const { mosquitto, tap, fakeBroker, makeClient } = useResources();

describe('subscribeAsync against a scripted broker (R167)', () => {
  it('R167: three filters in one SUBSCRIBE, the middle one refused (0x80): rejects naming it alone, withdraws it; the granted two receive', async () => {
    const broker = await fakeBroker((connection, packet) => {
      if (packet.cmd === 'connect') connection.send(connack(false));
      if (packet.cmd === 'subscribe') {
        const granted = packet.subscriptions.map((s) => (s.topic.startsWith('secret/') ? 128 : s.qos));
        connection.send({ cmd: 'suback', messageId: packet.messageId ?? 0, granted } as mqtt.ISubackPacket);
        for (const s of packet.subscriptions.filter((x) => !x.topic.startsWith('secret/')))
          connection.send({
            cmd: 'publish',
            topic: s.topic.replace('+', 'c'),
            payload: Buffer.from('m'),
            qos: 0,
            retain: false,
            dup: false,
          });
      }
      if (packet.cmd === 'unsubscribe')
        connection.send({ cmd: 'unsuback', messageId: packet.messageId ?? 0 } as mqtt.IUnsubackPacket);
    });
    const client = makeClient({ servers: [server(broker.port)] });
    const got: string[] = [];
    client.onMessage((m) => got.push(m.topic));
    await connect(client);
    const unsubscribed = broker.nextPacket((p) => p.cmd === 'unsubscribe', 5_000);
    const error = await client
      .subscribeAsync(['ok/a', { filter: 'secret/#', qos: 1 }, { filter: 'ok/b/+', qos: 2 }], { qos: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SubscribeRefusedError);
    const refused = error as SubscribeRefusedError;
    expect(refused.filters).toEqual(['secret/#']);
    expect(refused.outcomes).toEqual([
      { filter: 'ok/a', qos: 1 },
      { filter: 'secret/#', qos: null },
      { filter: 'ok/b/+', qos: 2 },
    ]);
    const packets = broker.connections[0]?.packets ?? [];
    expect(packets.filter((p) => p.cmd === 'subscribe')).toHaveLength(1);
    await waitForCount(client, () => got, 2, 10_000);
    expect(got.sort()).toEqual(['ok/a', 'ok/b/c']);
    expect(client.subscriptions().map((s) => s.filter)).toEqual(['ok/a', 'ok/b/+']);
    await unsubscribed;
    expect(
      packets
        .filter((p): p is mqtt.IUnsubscribePacket => p.cmd === 'unsubscribe')
        .map((p) => p.unsubscriptions),
    ).toEqual([['secret/#']]);
  });
});

describe.runIf(haveMosquitto)('subscribeAsync on mosquitto (R166, R168, R169)', () => {
  it('R166, R169: three filters in one SUBSCRIBE are granted and receive; unsubscribeAsync resolves and they stop', async () => {
    const broker = await mosquitto();
    const wire = await tap(broker.port);
    const client = makeClient({ servers: [server(wire.port)] });
    const got: string[] = [];
    client.onMessage((m) => got.push(m.topic));
    await connect(client);
    expect(
      await client.subscribeAsync(['ok/a', { filter: 'ok/b/+', qos: 2 }, { filter: 'ok/c', qos: 0 }], {
        qos: 1,
      }),
    ).toEqual([
      { filter: 'ok/a', qos: 1 },
      { filter: 'ok/b/+', qos: 2 },
      { filter: 'ok/c', qos: 0 },
    ]);
    expect(wire.packets.filter((p) => p.packet.cmd === 'subscribe')).toHaveLength(1);
    const pub = makeClient({ servers: [server(broker.port)] });
    await connect(pub);
    await pub.publish('ok/a', '1', { qos: 1 });
    await pub.publish('ok/b/c', '2', { qos: 1 });
    await pub.publish('ok/c', '3', { qos: 1 });
    await waitForCount(client, () => got, 3, 10_000);
    expect(got.sort()).toEqual(['ok/a', 'ok/b/c', 'ok/c']);
    await client.unsubscribeAsync(['ok/a', 'ok/b/+', 'ok/c']);
    expect(client.subscriptions()).toEqual([]);
    // After UNSUBACK mosquitto no longer routes to it: a marker on a still-subscribed filter proves
    // the earlier publish had its chance to arrive.
    await client.subscribeAsync('marker');
    await pub.publish('ok/a', 'late', { qos: 1 });
    await pub.publish('marker', 'm', { qos: 1 });
    await waitForCount(client, () => got, 4, 10_000);
    expect(got.at(-1)).toBe('marker');
    expect(got).toHaveLength(4);
  });

  it('R166: all granted resolves with the granted QoS per filter; R168: one pending at disconnect() rejects', async () => {
    const broker = await mosquitto();
    const client = makeClient({ servers: [server(broker.port)] });
    await connect(client);
    expect(
      await client.subscribeAsync(['x/1', { filter: 'x/2', qos: 2 }, { filter: 'x/3', qos: 1 }]),
    ).toEqual([
      { filter: 'x/1', qos: 0 },
      { filter: 'x/2', qos: 2 },
      { filter: 'x/3', qos: 1 },
    ]);
    const pending = client.subscribeAsync('y/1');
    const stopping = client.disconnect();
    await expect(pending).rejects.toBeInstanceOf(ClientClosedError);
    await stopping;
  });
});
