/**
 * MQTT 5 subscription options through the client (spec R295, R296) on a fake MQTT 5 network: the
 * SUBSCRIBE on the wire (parsed by mqtt-packet as MQTT 5) carries No Local, Retain As Published,
 * Retain Handling and the Subscription Identifier, also when re-sent after a reconnect.
 */
import type * as mqtt from 'mqtt-packet';
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { MqttClient } from '../adapters/node.js';
import { InvalidArgumentError } from '../errors.js';
import { v5Client } from '../test/support/fakeV5.js';
import { flush } from '../test/support/promises.js';

describe('subscription options (R295, R296)', () => {
  it('R295: subscribeAsync writes each filter’s options; filters without keep the plain byte; a reconnect re-sends them', async () => {
    const { client, up, sent, clock } = v5Client({}, { clean: false });
    void client.connect();
    const wire = up(0);
    await flush();
    void client.subscribeAsync(['a/#', { filter: 'b/+', qos: 1 }], {
      noLocal: true,
      retainAsPublished: true,
      retainHandling: 2,
    });
    void client.subscribeAsync('plain/#', { qos: 2 });
    const subs = sent<mqtt.ISubscribePacket>(0, 'subscribe');
    expect(subs[0]?.subscriptions).toEqual([
      { topic: 'a/#', qos: 0, nl: true, rap: true, rh: 2 },
      { topic: 'b/+', qos: 1, nl: true, rap: true, rh: 2 },
    ]);
    expect(subs[1]?.subscriptions).toEqual([{ topic: 'plain/#', qos: 2, nl: false, rap: false, rh: 0 }]);
    expect(wire.written.some((p) => p.cmd === 'error')).toBe(false);
    // The connection drops; the re-subscription (one SUBSCRIBE of every filter) keeps the options.
    wire.handlers.onClose();
    await flush();
    clock.increment(60_000);
    up(1);
    await flush();
    const again = sent<mqtt.ISubscribePacket>(1, 'subscribe');
    expect(again.flatMap((p) => p.subscriptions)).toEqual([
      { topic: 'a/#', qos: 0, nl: true, rap: true, rh: 2 },
      { topic: 'b/+', qos: 1, nl: true, rap: true, rh: 2 },
      { topic: 'plain/#', qos: 2, nl: false, rap: false, rh: 0 },
    ]);
  });

  it('R296: a Subscription Identifier goes in the SUBSCRIBE of its filter, with session.maxFiltersPerSubscribe 1', async () => {
    const { client, up, sent } = v5Client({ session: { maxFiltersPerSubscribe: 1 } });
    void client.connect();
    const wire = up(0);
    await flush();
    void client.subscribeAsync(['x/1', 'x/2'], { subscriptionIdentifier: 42, qos: 1 });
    const stream = client.subscribe('y/#', { subscriptionIdentifier: 268_435_455 }).subscribe();
    const subs = sent<mqtt.ISubscribePacket>(0, 'subscribe');
    expect(
      subs.map((p) => [p.subscriptions.map((s) => s.topic), p.properties?.subscriptionIdentifier]),
    ).toEqual([
      [['x/1'], 42],
      [['x/2'], 42],
      [['y/#'], 268_435_455],
    ]);
    expect(wire.written.some((p) => p.cmd === 'error')).toBe(false);
    stream.unsubscribe();
  });

  it('R296: a Subscription Identifier with several filters per SUBSCRIBE is an InvalidArgumentError', async () => {
    const { client, sent } = v5Client();
    await expect(client.subscribeAsync('x/1', { subscriptionIdentifier: 1 })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    expect(sent(0, 'subscribe')).toEqual([]);
  });

  it('R295: bad values and MQTT 3.1.1 are typed errors, for the promise and the Observable alike', async () => {
    const { client } = v5Client({ session: { maxFiltersPerSubscribe: 1 } });
    const bad = [
      { retainHandling: 3 as 0 },
      { subscriptionIdentifier: 0 },
      { subscriptionIdentifier: 268_435_456 },
      { noLocal: 'yes' as unknown as boolean },
    ];
    for (const options of bad) {
      await expect(client.subscribeAsync('a', options)).rejects.toBeInstanceOf(InvalidArgumentError);
    }
    await expect(client.subscribeAsync('$share/g/a', { noLocal: true })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    const v4 = new MqttClient({ servers: [{ host: 'h', port: 1 }] });
    await expect(v4.subscribeAsync('a', { noLocal: true })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(firstValueFrom(v4.subscribe('a', { retainHandling: 1 }))).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
  });
});
