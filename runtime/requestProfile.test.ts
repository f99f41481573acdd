/**
 * request() lives behind the MQTT 5 profile (spec R350): a client without it (the default browser
 * one) rejects at once with `InvalidArgumentError` and sends nothing; the browser client given
 * `mqtt5` from `mqtt-lifeline/browser/mqtt5` sends requests as the Node client does.
 */
import type * as mqtt from 'mqtt-packet';
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { MqttClient as BrowserClient } from '../browser.js';
import { mqtt5 } from '../browserMqtt5.js';
import { InvalidArgumentError } from '../errors.js';
import { fakeNetwork } from '../test/support/fakeTransport.js';
import { fakeV5Network } from '../test/support/fakeV5.js';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('request() needs the MQTT 5 profile (R350)', () => {
  it('R350: without the profile, request() rejects with InvalidArgumentError and nothing is sent', async () => {
    const net = fakeNetwork();
    const client = new BrowserClient({
      servers: [{ url: 'ws://h/mqtt', transport: net.factory }],
      clock: new SimulatedClock(),
    });
    void client.connect();
    const wire = net.connections[0];
    wire?.handlers.onOpen();
    wire?.reply({ cmd: 'connack', returnCode: 0, sessionPresent: false });
    await flush();
    expect(client.state).toBe('connected');
    const error = await client.request('svc/x', 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).message).toMatch(/MQTT 5 only.*mqtt-lifeline\/browser\/mqtt5/);
    await expect(firstValueFrom(client.request$('svc/x', 'x'))).rejects.toBeInstanceOf(InvalidArgumentError);
    await flush();
    // No response-topic SUBSCRIBE and no PUBLISH: only the CONNECT went out.
    expect(wire?.written.map((p) => p.cmd)).toEqual(['connect']);
    await client.disconnect();
  });

  it('R350, R297: the browser client with `mqtt5` from browser/mqtt5 sends the request and resolves with its response', async () => {
    const net = fakeV5Network();
    const client = new BrowserClient({
      servers: [{ url: 'ws://h/mqtt', transport: net.factory, clientId: 'asker' }],
      protocolVersion: 5,
      mqtt5,
      clock: new SimulatedClock(),
    });
    void client.connect();
    const wire = net.connections[0];
    wire?.handlers.onOpen();
    wire?.reply({ cmd: 'connack', reasonCode: 0, sessionPresent: false });
    await flush();
    const reply = client.request('svc/echo', 'ping');
    await flush();
    const sub = wire?.written.find((p): p is mqtt.ISubscribePacket => p.cmd === 'subscribe');
    const topic = sub?.subscriptions[0]?.topic ?? '';
    expect(topic).toMatch(/^mqtt-lifeline\/response\/asker\//);
    wire?.reply({ cmd: 'suback', messageId: sub?.messageId ?? 0, granted: [1] } as mqtt.ISubackPacket);
    await flush();
    const request = wire?.written.find((p): p is mqtt.IPublishPacket => p.cmd === 'publish');
    expect(request?.properties?.responseTopic).toBe(topic);
    const correlationData = request?.properties?.correlationData as Buffer;
    wire?.reply({
      cmd: 'publish',
      topic,
      payload: Buffer.from('pong'),
      qos: 0,
      dup: false,
      retain: false,
      properties: { correlationData },
    });
    const response = await reply;
    expect(new TextDecoder().decode(response.payload)).toBe('pong');
    await client.disconnect();
  });

  it('R353, R313: without the profile, reauthenticate() rejects with InvalidArgumentError at once (no `auth` can be set)', async () => {
    const client = new BrowserClient({
      servers: [{ url: 'ws://h/mqtt', transport: fakeNetwork().factory }],
      clock: new SimulatedClock(),
    });
    await expect(client.reauthenticate()).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'reauthenticate() needs the `auth` option',
    });
  });
});
