/**
 * Spec R166-R169: `MqttClient.subscribeAsync` / `unsubscribeAsync` over a fake transport and a
 * simulated clock: one SUBSCRIBE for a list, per-filter grants, refusals as a typed error, and no
 * promise left unsettled when the client stops.
 */
import type * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { ClientClosedError, InvalidTopicError, SubscribeError } from '../errors.js';
import { fakeNetwork } from '../test/support/fakeTransport.js';
import { flush } from '../test/support/promises.js';
import { type Message, MqttClient } from './client.js';
import { type GrantedSubscription, SubscribeRefusedError } from './subscribeAsync.js';

function setup() {
  const net = fakeNetwork();
  const clock = new SimulatedClock();
  const client = new MqttClient({
    servers: [{ host: 'p', transport: net.factory, clean: false, clientId: 'c' }],
    clock,
    jitter: 0,
    keepAliveSec: 0,
  });
  const up = (i: number) => {
    const wire = net.connections[i];
    wire?.handlers.onOpen();
    wire?.reply({ cmd: 'connack', returnCode: 0, sessionPresent: false });
    return wire;
  };
  const sent = <T extends mqtt.Packet>(i: number, cmd: T['cmd']) =>
    (net.connections[i]?.written ?? []).filter((p): p is T => p.cmd === cmd);
  return { client, net, up, sent, clock };
}

/** The outcome of a promise, readable without awaiting it. */
function track<T>(promise: Promise<T>): { value: 'pending' | { ok: T } | { error: unknown } } {
  const seen: { value: 'pending' | { ok: T } | { error: unknown } } = { value: 'pending' };
  promise.then(
    (ok) => {
      seen.value = { ok };
    },
    (error: unknown) => {
      seen.value = { error };
    },
  );
  return seen;
}

describe('subscribeAsync (R166-R167)', () => {
  it('R166: a list of three goes out in ONE SUBSCRIBE and resolves with the granted QoS per filter, in order', async () => {
    const { client, up, sent } = setup();
    client.connect();
    const wire = up(0);
    const result = track(client.subscribeAsync(['a/#', { filter: 'b/+', qos: 2 }, 'c'], { qos: 1 }));
    const subscribes = sent<mqtt.ISubscribePacket>(0, 'subscribe');
    expect(subscribes).toHaveLength(1);
    expect(subscribes[0]?.subscriptions.map((s) => [s.topic, s.qos])).toEqual([
      ['a/#', 1],
      ['b/+', 2],
      ['c', 1],
    ]);
    await flush();
    expect(result.value).toBe('pending');
    wire?.reply({ cmd: 'suback', messageId: subscribes[0]?.messageId ?? 0, granted: [1, 1, 0] });
    await flush();
    expect(result.value).toEqual({
      ok: [
        { filter: 'a/#', qos: 1 },
        { filter: 'b/+', qos: 1 },
        { filter: 'c', qos: 0 },
      ] satisfies GrantedSubscription[],
    });
  });

  it('R166: one filter (string) with the default QoS 0; its messages reach onMessage and messages$', async () => {
    const { client, up, sent } = setup();
    client.connect();
    const wire = up(0);
    const seen: string[] = [];
    client.onMessage((m: Message) => seen.push(`on:${m.topic}`));
    const stream = client.messages$.subscribe((m) => seen.push(`$:${m.topic}`));
    const done = client.subscribeAsync('x/+');
    const sub = sent<mqtt.ISubscribePacket>(0, 'subscribe')[0];
    expect(sub?.subscriptions).toEqual([{ topic: 'x/+', qos: 0 }]);
    wire?.reply({ cmd: 'suback', messageId: sub?.messageId ?? 0, granted: [0] });
    expect(await done).toEqual([{ filter: 'x/+', qos: 0 }]);
    wire?.reply({
      cmd: 'publish',
      topic: 'x/1',
      payload: Buffer.from('p'),
      qos: 0,
      retain: false,
      dup: false,
    });
    expect(seen.sort()).toEqual(['$:x/1', 'on:x/1']);
    stream.unsubscribe();
  });

  it('R167: a partial refusal rejects with SubscribeRefusedError naming the refused filters only; they are withdrawn, the granted stay', async () => {
    const { client, up, sent } = setup();
    client.connect();
    const wire = up(0);
    const result = track(client.subscribeAsync(['ok/1', 'no/1', 'ok/2', 'no/2'], { qos: 1 }));
    const sub = sent<mqtt.ISubscribePacket>(0, 'subscribe')[0];
    wire?.reply({ cmd: 'suback', messageId: sub?.messageId ?? 0, granted: [1, 128, 0, 128] });
    await flush();
    const error = (result.value as { error: SubscribeRefusedError }).error;
    expect(error).toBeInstanceOf(SubscribeRefusedError);
    expect(error).toBeInstanceOf(SubscribeError);
    expect(error.code).toBe('SUBSCRIBE_FAILED');
    expect(error.filters).toEqual(['no/1', 'no/2']);
    expect(error.filter).toBe('no/1');
    expect(error.message).toBe('the broker refused the subscription to "no/1", "no/2"');
    expect(error.outcomes).toEqual([
      { filter: 'ok/1', qos: 1 },
      { filter: 'no/1', qos: null },
      { filter: 'ok/2', qos: 0 },
      { filter: 'no/2', qos: null },
    ]);
    expect(sent<mqtt.IUnsubscribePacket>(0, 'unsubscribe').map((u) => u.unsubscriptions)).toEqual([
      ['no/1'],
      ['no/2'],
    ]);
    expect(client.subscriptions().map((s) => s.filter)).toEqual(['ok/1', 'ok/2']);
  });

  it('R167: a filter withdrawn by unsubscribeAsync before its SUBSCRIBE went out counts as refused and is not withdrawn twice', async () => {
    const { client, up, sent } = setup();
    const result = track(client.subscribeAsync(['keep', 'drop']));
    const gone = client.unsubscribeAsync('drop');
    client.connect();
    const wire = up(0);
    const keep = sent<mqtt.ISubscribePacket>(0, 'subscribe')[0];
    wire?.reply({ cmd: 'suback', messageId: keep?.messageId ?? 0, granted: [0] });
    await flush();
    const error = (result.value as { error: SubscribeRefusedError }).error;
    expect(error).toBeInstanceOf(SubscribeRefusedError);
    expect(error.filters).toEqual(['drop']);
    // The broker had no session (CONNACK sessionPresent 0): nothing to remove, no UNSUBSCRIBE
    // from the session, and none from subscribeAsync's withdrawal either.
    expect(sent(0, 'unsubscribe')).toEqual([]);
    expect(
      sent<mqtt.ISubscribePacket>(0, 'subscribe').map((x) => x.subscriptions.map((y) => y.topic)),
    ).toEqual([['keep']]);
    await gone;
    expect(client.subscriptions().map((x) => x.filter)).toEqual(['keep']);
  });

  it('a filter withdrawn after its SUBSCRIBE went out keeps the SUBACK outcome (the broker granted it, then UNSUBACK removed it)', async () => {
    const { client, up, sent } = setup();
    client.connect();
    const wire = up(0);
    const result = client.subscribeAsync(['keep', 'drop']);
    const gone = client.unsubscribeAsync('drop');
    const sub = sent<mqtt.ISubscribePacket>(0, 'subscribe')[0];
    wire?.reply({ cmd: 'suback', messageId: sub?.messageId ?? 0, granted: [0, 1] });
    expect(await result).toEqual([
      { filter: 'keep', qos: 0 },
      { filter: 'drop', qos: 1 },
    ]);
    const unsubs = sent<mqtt.IUnsubscribePacket>(0, 'unsubscribe');
    wire?.reply({ cmd: 'unsuback', messageId: unsubs[0]?.messageId ?? 0, granted: [] });
    await gone;
    expect(client.subscriptions().map((x) => x.filter)).toEqual(['keep']);
  });

  it('R166: an invalid filter rejects with InvalidTopicError and registers nothing, sends nothing', async () => {
    const { client, up, sent } = setup();
    client.connect();
    up(0);
    await expect(client.subscribeAsync(['good', 'bad/#/x'])).rejects.toBeInstanceOf(InvalidTopicError);
    expect(sent(0, 'subscribe')).toEqual([]);
    expect(client.subscriptions()).toEqual([]);
  });

  it('R166: an empty list resolves with [] and sends nothing', async () => {
    const { client, up, sent } = setup();
    client.connect();
    up(0);
    expect(await client.subscribeAsync([])).toEqual([]);
    expect(sent(0, 'subscribe')).toEqual([]);
  });

  it('R166: offline, the list waits and goes out in one SUBSCRIBE when the client connects', async () => {
    const { client, up, sent } = setup();
    const result = track(client.subscribeAsync(['o/1', 'o/2']));
    client.connect();
    const wire = up(0);
    const subs = sent<mqtt.ISubscribePacket>(0, 'subscribe');
    expect(subs.map((s) => s.subscriptions.map((x) => x.topic))).toEqual([['o/1', 'o/2']]);
    wire?.reply({ cmd: 'suback', messageId: subs[0]?.messageId ?? 0, granted: [0, 0] });
    await flush();
    expect(result.value).toEqual({
      ok: [
        { filter: 'o/1', qos: 0 },
        { filter: 'o/2', qos: 0 },
      ],
    });
  });
});

describe('unsubscribeAsync (R169)', () => {
  it('R169: resolves once every filter is acknowledged by UNSUBACK, not before', async () => {
    const { client, up, sent } = setup();
    client.connect();
    const wire = up(0);
    const sub = client.subscribeAsync(['u/1', 'u/2']);
    const s = sent<mqtt.ISubscribePacket>(0, 'subscribe')[0];
    wire?.reply({ cmd: 'suback', messageId: s?.messageId ?? 0, granted: [0, 0] });
    await sub;
    const result = track(client.unsubscribeAsync(['u/1', 'u/2']));
    const unsubs = sent<mqtt.IUnsubscribePacket>(0, 'unsubscribe');
    expect(unsubs.map((u) => u.unsubscriptions)).toEqual([['u/1'], ['u/2']]);
    wire?.reply({ cmd: 'unsuback', messageId: unsubs[0]?.messageId ?? 0, granted: [] });
    await flush();
    expect(result.value).toBe('pending');
    wire?.reply({ cmd: 'unsuback', messageId: unsubs[1]?.messageId ?? 0, granted: [] });
    await flush();
    expect(result.value).toEqual({ ok: undefined });
    expect(client.subscriptions()).toEqual([]);
  });
});

describe('no promise left unsettled (R168)', () => {
  it('R168: a subscribeAsync awaiting its SUBACK rejects with ClientClosedError at disconnect()', async () => {
    const { client, up } = setup();
    client.connect();
    up(0);
    const result = track(client.subscribeAsync(['w/1', 'w/2']));
    await client.disconnect();
    await flush();
    expect((result.value as { error: unknown }).error).toBeInstanceOf(ClientClosedError);
  });

  it('R168: also under disconnect({ keepQueue: true }), which keeps the session callbacks; and an offline request at a disconnect() while stopped', async () => {
    const { client, up } = setup();
    client.connect();
    up(0);
    const kept = track(client.subscribeAsync('k/1'));
    const unsub = track(client.unsubscribeAsync('k/0'));
    await client.disconnect({ keepQueue: true });
    await flush();
    expect((kept.value as { error: unknown }).error).toBeInstanceOf(ClientClosedError);
    expect((unsub.value as { error: unknown }).error).toBeInstanceOf(ClientClosedError);
    const offline = track(client.subscribeAsync('k/2'));
    await flush();
    expect(offline.value).toBe('pending');
    await client.disconnect({ keepQueue: true });
    await flush();
    expect((offline.value as { error: unknown }).error).toBeInstanceOf(ClientClosedError);
  });

  it('R168: a connection refused under onRefused stop rejects the waiting subscribeAsync', async () => {
    const { client, net } = setup();
    const waiting = track(client.subscribeAsync('r/1'));
    const connecting = client.connect().catch((e: unknown) => e);
    net.connections[0]?.handlers.onOpen();
    net.connections[0]?.reply({ cmd: 'connack', returnCode: 5, sessionPresent: false });
    expect(await connecting).toMatchObject({ code: 'CONNACK_REFUSED' });
    await flush();
    expect((waiting.value as { error: unknown }).error).toBeInstanceOf(ClientClosedError);
  });

  it('R168: a connection lost while waiting does not reject: the SUBACK on the next connection settles it', async () => {
    const { client, net, up, sent, clock } = setup();
    client.connect();
    up(0);
    const result = track(client.subscribeAsync(['l/1', 'l/2'], { qos: 1 }));
    net.connections[0]?.handlers.onClose();
    await flush();
    expect(result.value).toBe('pending');
    clock.increment(60_000);
    const wire = up(1);
    const again = sent<mqtt.ISubscribePacket>(1, 'subscribe');
    expect(again.map((s) => s.subscriptions.map((x) => x.topic))).toEqual([['l/1', 'l/2']]);
    wire?.reply({ cmd: 'suback', messageId: again[0]?.messageId ?? 0, granted: [1, 0] });
    await flush();
    expect(result.value).toEqual({
      ok: [
        { filter: 'l/1', qos: 1 },
        { filter: 'l/2', qos: 0 },
      ],
    });
  });
});
