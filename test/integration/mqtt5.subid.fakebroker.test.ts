/**
 * Subscription Identifiers Available 0 in the CONNACK (spec R255, R336): a subscription that
 * carries a Subscription Identifier is refused by the client itself with the code the broker
 * would send (0xA1) and its SUBSCRIBE is never written; subscriptions without one still go, and
 * a broker that supports identifiers gets them. The wire check (R336) would fail the test if a
 * SUBSCRIBE with an identifier reached the broker that said it has none.
 */
import type * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { SubscribeError } from '../../errors.js';
import { SubscribeRefusedError } from '../../runtime/subscribeAsync.js';
import type { FakeConnection } from '../support/fakeBroker.js';
import { connect, server, useResources } from '../support/integration.js';

const { fakeBroker: fake, makeClient, validators } = useResources();

/** A broker that says whether it has Subscription Identifiers and grants every filter QoS 1. */
const broker = (available: boolean) =>
  fake((c, p) => {
    if (p.cmd === 'connect')
      c.send({
        cmd: 'connack',
        reasonCode: 0,
        sessionPresent: false,
        properties: { subscriptionIdentifiersAvailable: available },
      } as mqtt.IConnackPacket);
    if (p.cmd === 'subscribe')
      c.send({ cmd: 'suback', messageId: p.messageId, granted: p.subscriptions.map(() => 1) });
  });

const subscribes = (connection: FakeConnection | undefined): mqtt.ISubscribePacket[] =>
  (connection?.packets ?? []).filter((p): p is mqtt.ISubscribePacket => p.cmd === 'subscribe');

describe('R255, R336: Subscription Identifiers Available 0', () => {
  it('R255, R336: a subscription with an identifier fails with SUBACK code 0xA1 and is not sent; one without goes', async () => {
    const b = await broker(false);
    const client = makeClient({
      servers: [server(b.port, { clientId: 'subid' })],
      protocolVersion: 5,
      session: { maxFiltersPerSubscribe: 1 },
    });
    await connect(client);
    // The stream says which code refused it; the promise says which filters were refused.
    const streamError = new Promise<unknown>((resolve) =>
      client.subscribe('ids/a', { qos: 1, subscriptionIdentifier: 3 }).subscribe({ error: resolve }),
    );
    const error = await streamError;
    expect(error).toBeInstanceOf(SubscribeError);
    expect(error).toMatchObject({ code: 'SUBSCRIBE_FAILED', filter: 'ids/a', reasonCode: 0xa1 });
    expect((error as Error).message).toMatch(/Subscription Identifiers not supported \(reason code 0xA1\)/);
    const refused = await client
      .subscribeAsync('ids/c', { qos: 1, subscriptionIdentifier: 4 })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SubscribeRefusedError);
    expect(refused).toMatchObject({ code: 'SUBSCRIBE_FAILED', filters: ['ids/c'] });
    expect(await client.subscribeAsync('ids/b', { qos: 1 })).toEqual([{ filter: 'ids/b', qos: 1 }]);
    const sent = subscribes(b.connections[0]);
    expect(sent.map((p) => p.subscriptions.map((s) => s.topic))).toEqual([['ids/b']]);
    expect(sent[0]?.properties?.subscriptionIdentifier).toBeUndefined();
    expect(client.state).toBe('connected');
    expect(validators[0]?.counts.get('subscribe')).toBe(1);
  });

  it('R255, R336: a broker that has identifiers gets the SUBSCRIBE with it', async () => {
    const b = await broker(true);
    const client = makeClient({
      servers: [server(b.port, { clientId: 'subid-ok' })],
      protocolVersion: 5,
      session: { maxFiltersPerSubscribe: 1 },
    });
    await connect(client);
    await client.subscribeAsync('ids/a', { qos: 1, subscriptionIdentifier: 3 });
    expect(subscribes(b.connections[0])[0]?.properties?.subscriptionIdentifier).toBe(3);
  });
});
