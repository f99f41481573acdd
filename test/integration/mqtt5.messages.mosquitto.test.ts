/**
 * MQTT 5 message features against a stock mosquitto (spec R290-R300): properties round trip,
 * message expiry in the broker's queue, request / response, No Local, Retain Handling and
 * Subscription Identifiers. The wire validator (R225) parses MQTT 3.1.1 only, so these tests rely
 * on mosquitto instead, which closes the connection on any packet that is not valid MQTT 5.
 */
import { firstValueFrom, take, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MqttClient } from '../../adapters/node.js';
import type { MqttClientOptions } from '../../runtime/client.js';
import type { Message } from '../../runtime/types.js';
import { haveMosquitto, type MosquittoHandle, startMosquitto } from '../support/brokers.js';
import { connect, useResources } from '../support/integration.js';

const { own, checked } = useResources();
const text = (m: Message) => new TextDecoder().decode(m.payload);

describe.runIf(haveMosquitto)('MQTT 5 message features against mosquitto', () => {
  let broker: MosquittoHandle;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  const client = (clientId: string, extra: Partial<MqttClientOptions> = {}, clean = true) =>
    own(
      new MqttClient(
        checked({
          servers: [{ host: '127.0.0.1', port: broker.port, clientId, clean }],
          protocolVersion: 5,
          jitter: 0,
          ...extra,
        }),
      ),
    );

  it('R290, R293: user properties (order and repeats), content type, payload format, response topic and correlation data round trip', async () => {
    const sub = client('props-sub');
    const pub = client('props-pub');
    await connect(sub);
    await connect(pub);
    const got = firstValueFrom(sub.messages$);
    await sub.subscribeAsync('props/#', { qos: 1 });
    await pub.publish('props/a', '{"t":1}', {
      qos: 1,
      properties: {
        userProperties: [
          ['k', '2'],
          ['k', '1'],
          ['other', 'é'],
        ],
        contentType: 'application/json',
        payloadFormatIndicator: true,
        responseTopic: 'props/reply',
        correlationData: new Uint8Array([0, 255]),
      },
    });
    const m = await got;
    expect(text(m)).toBe('{"t":1}');
    expect(m.properties).toMatchObject({
      userProperties: [
        ['k', '2'],
        ['k', '1'],
        ['other', 'é'],
      ],
      contentType: 'application/json',
      payloadFormatIndicator: true,
      responseTopic: 'props/reply',
    });
    expect([...(m.properties?.correlationData ?? [])]).toEqual([0, 255]);
  });

  it('R291: a message expires in the broker’s queue; one still alive arrives with its interval counted down', async () => {
    const sub = client('expiry-sub', {}, false);
    await connect(sub);
    await sub.subscribeAsync('expiry/#', { qos: 1 });
    await sub.disconnect();
    const pub = client('expiry-pub');
    await connect(pub);
    await pub.publish('expiry/short', 'short', { qos: 1, properties: { messageExpiryInterval: 1 } });
    await pub.publish('expiry/long', 'long', { qos: 1, properties: { messageExpiryInterval: 100 } });
    // The broker's clock is what is tested: let more than the short interval pass on it.
    await new Promise((resolve) => setTimeout(resolve, 2200));
    const again = client('expiry-sub', {}, false);
    const got = firstValueFrom(again.messages$);
    await connect(again);
    const m = await got;
    expect(m.topic).toBe('expiry/long');
    expect(m.properties?.messageExpiryInterval).toBeGreaterThanOrEqual(97);
    expect(m.properties?.messageExpiryInterval).toBeLessThan(100);
  });

  it('R297, R298: request() gets the response a responder sends to its Response Topic with its Correlation Data', async () => {
    const responder = client('svc');
    await connect(responder);
    responder.onMessage((m) => {
      const to = m.properties?.responseTopic;
      if (to === undefined) return;
      // The asker may have its answer, and the test its end, before this PUBACK comes.
      responder
        .publish(to, `echo ${text(m)}`, {
          qos: 1,
          properties: { correlationData: m.properties?.correlationData ?? new Uint8Array() },
        })
        .catch(() => undefined);
    });
    await responder.subscribeAsync('svc/echo', { qos: 1 });
    const asker = client('asker');
    await connect(asker);
    const [a, b] = await Promise.all([
      asker.request('svc/echo', 'one', { timeoutMs: 5000 }),
      asker.request('svc/echo', 'two', { timeoutMs: 5000 }),
    ]);
    expect([text(a), text(b)]).toEqual(['echo one', 'echo two']);
  });

  it('R295: No Local keeps a client’s own publishes from coming back', async () => {
    const me = client('nl-me');
    const other = client('nl-other');
    await connect(me);
    await connect(other);
    const got = firstValueFrom(me.messages$);
    await me.subscribeAsync('nl/#', { qos: 1, noLocal: true });
    await me.publish('nl/mine', 'mine', { qos: 1 });
    await other.publish('nl/theirs', 'theirs', { qos: 1 });
    expect((await got).topic).toBe('nl/theirs');
  });

  it('R295: Retain Handling 2 sends no retained message at subscribe; 0 does', async () => {
    const pub = client('rh-pub');
    await connect(pub);
    await pub.publish('rh/t', 'kept', { qos: 1, retain: true });
    const never = client('rh-2');
    await connect(never);
    const first = firstValueFrom(never.messages$);
    await never.subscribeAsync('rh/t', { qos: 1, retainHandling: 2 });
    await pub.publish('rh/t', 'live', { qos: 1 });
    expect(text(await first)).toBe('live');
    const always = client('rh-0');
    await connect(always);
    const retained = firstValueFrom(always.messages$);
    await always.subscribeAsync('rh/t', { qos: 1, retainHandling: 0 });
    const r = await retained;
    expect([text(r), r.retain]).toEqual(['kept', true]);
    await pub.publish('rh/t', '', { qos: 1, retain: true });
  });

  it('R296: Subscription Identifiers come back with the messages their subscriptions match', async () => {
    const sub = client('si-sub', { session: { maxFiltersPerSubscribe: 1 } });
    const pub = client('si-pub');
    await connect(sub);
    await connect(pub);
    await sub.subscribeAsync('si/+', { qos: 1, subscriptionIdentifier: 5 });
    await sub.subscribeAsync('si/only/#', { qos: 1, subscriptionIdentifier: 7 });
    const got = firstValueFrom(sub.messages$.pipe(take(2), toArray()));
    await pub.publish('si/a', 'a', { qos: 1 });
    await pub.publish('si/only/x', 'x', { qos: 1 });
    const [a, x] = await got;
    expect(a?.properties?.subscriptionIdentifiers).toEqual([5]);
    expect(x?.properties?.subscriptionIdentifiers).toEqual([7]);
  });
});
