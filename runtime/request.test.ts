/**
 * MQTT 5 request / response (spec R297-R299) on a fake MQTT 5 network and a simulated clock: the
 * response topic is subscribed once, each request carries it and fresh Correlation Data, the
 * matching response settles the request, and a timeout, a stop or an unsubscribe end it.
 */
import type * as mqtt from 'mqtt-packet';
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ClientClosedError, InvalidArgumentError, TimeoutError } from '../errors.js';
import { v5Client } from '../test/support/fakeV5.js';
import { requesterOf } from './request.js';
import type { Message } from './types.js';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

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

async function connected() {
  const setup = v5Client({}, { clientId: 'asker' });
  void setup.client.connect();
  const wire = setup.up(0);
  await flush();
  const answer = (i: number) => {
    const sub = setup.sent<mqtt.ISubscribePacket>(0, 'subscribe')[i];
    wire.reply({
      cmd: 'suback',
      messageId: sub?.messageId ?? 0,
      granted: [1],
      reasonCode: 0,
    } as mqtt.ISubackPacket);
  };
  const respond = (topic: string, correlationData: Buffer | undefined, body = 'pong') =>
    wire.reply({
      cmd: 'publish',
      topic,
      payload: Buffer.from(body),
      qos: 0,
      dup: false,
      retain: false,
      ...(correlationData === undefined ? {} : { properties: { correlationData } }),
    });
  return { ...setup, wire, answer, respond };
}

describe('request() (R297-R299)', () => {
  it('R297, R298: subscribes its response topic once, sends Response Topic and Correlation Data, resolves with the matching response', async () => {
    const { client, sent, answer, respond } = await connected();
    const first = track(client.request('svc/echo', 'ping', { properties: { contentType: 'text/plain' } }));
    const second = track(client.request('svc/echo', 'ping 2'));
    const subs = sent<mqtt.ISubscribePacket>(0, 'subscribe');
    expect(subs).toHaveLength(1);
    const topic = subs[0]?.subscriptions[0]?.topic ?? '';
    expect(topic).toMatch(/^mqtt-lifeline\/response\/asker\/[0-9a-f]{8}$/);
    expect(sent(0, 'publish')).toEqual([]); // not before the SUBACK
    answer(0);
    await flush();
    const requests = sent<mqtt.IPublishPacket>(0, 'publish');
    expect(
      requests.map((p) => [p.topic, p.qos, p.properties?.responseTopic, p.properties?.contentType]),
    ).toEqual([
      ['svc/echo', 1, topic, 'text/plain'],
      ['svc/echo', 1, topic, undefined],
    ]);
    const [a, b] = requests.map((p) => p.properties?.correlationData as Buffer);
    expect(a?.equals(b as Buffer)).toBe(false);
    // A message without, or with unknown, Correlation Data is no response.
    respond(topic, undefined);
    respond(topic, Buffer.from('nope'));
    expect(first.value).toBe('pending');
    respond(topic, b, 'second');
    respond(topic, a, 'first');
    await flush();
    const text = (s: typeof first) => new TextDecoder().decode((s.value as { ok: Message }).ok.payload);
    expect(text(first)).toBe('first');
    expect(text(second)).toBe('second');
    expect(requesterOf(client).size).toBe(0);
  });

  it('R299: no response within timeoutMs of the client clock rejects with TimeoutError', async () => {
    const { client, clock, answer } = await connected();
    const r = track(client.request('svc/slow', 'x', { timeoutMs: 2000 }));
    answer(0);
    await flush();
    clock.increment(1999);
    await flush();
    expect(r.value).toBe('pending');
    clock.increment(1);
    await flush();
    expect((r.value as { error: unknown }).error).toBeInstanceOf(TimeoutError);
  });

  it('R299: a bad timeoutMs is an InvalidArgumentError, for the promise and the Observable', async () => {
    const { client } = await connected();
    await expect(client.request('svc/x', 'x', { timeoutMs: Number.NaN })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(firstValueFrom(client.request$('svc/x', 'x', { timeoutMs: -1 }))).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    expect(requesterOf(client).size).toBe(0);
  });

  it('R299: the client stopping rejects every waiting request with ClientClosedError', async () => {
    const { client, answer } = await connected();
    const r = track(client.request('svc/x', 'x'));
    answer(0);
    await flush();
    await client.disconnect();
    await flush();
    expect((r.value as { error: unknown }).error).toBeInstanceOf(ClientClosedError);
    expect(requesterOf(client).size).toBe(0);
  });

  it('R297: request$ emits the response and completes; unsubscribing first cancels the request', async () => {
    const { client, answer, sent, respond } = await connected();
    const got: string[] = [];
    let completed = false;
    client.request$('svc/a', '1').subscribe({
      next: (m) => got.push(new TextDecoder().decode(m.payload)),
      complete: () => {
        completed = true;
      },
    });
    const cancelled = client.request$('svc/b', '2').subscribe();
    answer(0);
    await flush();
    cancelled.unsubscribe();
    expect(requesterOf(client).size).toBe(1);
    const [a] = sent<mqtt.IPublishPacket>(0, 'publish');
    respond(a?.properties?.responseTopic ?? '', a?.properties?.correlationData as Buffer, 'one');
    expect(got).toEqual(['one']);
    expect(completed).toBe(true);
    expect(requesterOf(client).size).toBe(0);
  });
});
