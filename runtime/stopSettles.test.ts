/**
 * Spec R84: when the client stops, everything still waiting settles by a rule the user can read;
 * `disconnect({ keepQueue: true })` keeps queued publishes for the next connection instead.
 * MqttClient over a fake transport and a simulated clock.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { ClientClosedError, type MqttError } from '../errors.js';
import type { SubscribeResult } from '../protocol/session.js';
import { attachStore } from '../protocol/sessionLog.js';
import { MemoryStore } from '../protocol/store.js';
import { fakeNetwork } from '../test/support/fakeTransport.js';
import { flush, outcome } from '../test/support/promises.js';
import { type ClientEvent, MqttClient } from './client.js';

function setup(clean = true) {
  const net = fakeNetwork();
  const client = new MqttClient({
    servers: [{ host: 'p', transport: net.factory, clean }],
    clock: new SimulatedClock(),
    jitter: 0,
    keepAliveSec: 0,
  });
  const events: ClientEvent[] = [];
  client.onEvent((e) => events.push(e));
  const up = (i: number, sessionPresent = false) => {
    const connection = net.connections[i];
    connection?.handlers.onOpen();
    connection?.reply({ cmd: 'connack', returnCode: 0, sessionPresent });
    return connection;
  };
  return { client, net, events, up };
}

describe('R84: stopping settles what is pending', () => {
  it('a QoS 1 publish queued offline rejects with ClientClosedError at disconnect(), with a drop event (reason closed), and never goes out', async () => {
    const { client, net, events, up } = setup();
    const queued = outcome(client.publish('q/1', 'x', { qos: 1 }));
    await client.disconnect();
    await flush();
    expect(queued.value).toBeInstanceOf(ClientClosedError);
    expect(events).toContainEqual({ type: 'drop', reason: 'closed', topic: 'q/1', packetId: 1, qos: 1 });
    expect(client.numUnsentBytes()).toBe(0);
    client.connect();
    up(0);
    expect(net.connections[0]?.written.map((p) => p.cmd)).toEqual(['connect']);
  });

  it('in flight at disconnect(): QoS 1 awaiting PUBACK rejects; QoS 2 past PUBREC resolves (the broker has it)', async () => {
    const { client, up } = setup();
    client.connect();
    const wire = up(0);
    const one = outcome(client.publish('f/1', 'a', { qos: 1 }));
    const two = outcome(client.publish('f/2', 'b', { qos: 2 }));
    const pubrecFor = wire?.written.find((p) => p.cmd === 'publish' && p.qos === 2) as { messageId: number };
    wire?.reply({ cmd: 'pubrec', messageId: pubrecFor.messageId });
    await client.disconnect();
    await flush();
    expect(one.value).toBeInstanceOf(ClientClosedError);
    expect((one.value as Error).message).toBe('the client stopped before it was acknowledged');
    expect(two.value).toBe('resolved');
  });

  it('session subscribe and unsubscribe callbacks still waiting end with ClientClosedError; the registration stays for the next connection', async () => {
    // A persistent session, so the broker may still hold the filter the offline unsubscribe removes.
    const { client, net, up } = setup(false);
    const results: SubscribeResult[] = [];
    const unsubscribed: (MqttError | undefined)[] = [];
    client.session.subscribe('s/+', 1, (r) => results.push(r));
    client.session.unsubscribe('old/#', (e) => unsubscribed.push(e));
    await client.disconnect();
    expect(results).toHaveLength(1);
    expect((results[0] as { error: MqttError }).error).toBeInstanceOf(ClientClosedError);
    expect(unsubscribed[0]).toBeInstanceOf(ClientClosedError);
    client.connect();
    up(0, true);
    expect(net.connections[0]?.written.map((p) => p.cmd)).toEqual(['connect', 'unsubscribe', 'subscribe']);
  });

  it('a refusal that stops the client (onRefused stop) settles queued publishes the same way', async () => {
    const { client, net } = setup();
    const queued = outcome(client.publish('r/1', 'x', { qos: 1 }));
    const connecting = client.connect().catch((e: unknown) => e);
    net.connections[0]?.handlers.onOpen();
    net.connections[0]?.reply({ cmd: 'connack', returnCode: 5, sessionPresent: false });
    expect(await connecting).toMatchObject({ code: 'CONNACK_REFUSED' });
    await flush();
    expect(queued.value).toBeInstanceOf(ClientClosedError);
  });

  it('disconnect({ keepQueue: true }) keeps queued publishes for the next connect(); a later disconnect() settles them', async () => {
    const { client, net, up } = setup();
    const kept = outcome(client.publish('k/1', 'x', { qos: 1 }));
    await client.disconnect({ keepQueue: true });
    await flush();
    expect(kept.value).toBe('pending');
    expect(client.numUnsentBytes()).toBe(1);
    await client.disconnect();
    await flush();
    expect(kept.value).toBeInstanceOf(ClientClosedError);
    const again = outcome(client.publish('k/2', 'y', { qos: 1 }));
    await client.disconnect({ keepQueue: true });
    client.connect();
    const wire = up(0);
    const publish = wire?.written.find((p) => p.cmd === 'publish') as { messageId: number; topic: string };
    expect(publish.topic).toBe('k/2');
    wire?.reply({ cmd: 'puback', messageId: publish.messageId });
    await flush();
    expect(again.value).toBe('resolved');
    expect(net.connections).toHaveLength(1);
  });

  it('with a durable session.store, disconnect() keeps the queue by default (it is what the store is for); keepQueue: false settles it', async () => {
    const net = fakeNetwork();
    const client = new MqttClient({
      servers: [{ host: 'p', transport: net.factory, clean: false, clientId: 'gw' }],
      clock: new SimulatedClock(),
      keepAliveSec: 0,
      session: { store: new MemoryStore() },
      storeRecovery: attachStore,
    });
    const kept = outcome(client.publish('d/1', 'x', { qos: 1 }));
    await client.disconnect();
    await flush();
    expect(kept.value).toBe('pending');
    await client.disconnect({ keepQueue: false });
    await flush();
    expect(kept.value).toBeInstanceOf(ClientClosedError);
  });
});
