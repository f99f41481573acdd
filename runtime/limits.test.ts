/**
 * Spec R83, R85: a refused publish names the limit it hit, the option that sets it and the size.
 * MqttClient with its default options over a fake transport.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { MessageDroppedError, SizeLimitError } from '../errors.js';
import { fakeNetwork } from '../test/support/fakeTransport.js';
import { MqttClient, type MqttClientOptions } from './client.js';

function connected(options: Partial<MqttClientOptions> = {}) {
  const net = fakeNetwork();
  const client = new MqttClient({
    servers: [{ host: 'p', transport: net.factory }],
    clock: new SimulatedClock(),
    keepAliveSec: 0,
    ...options,
  });
  client.connect();
  net.connections[0]?.handlers.onOpen();
  net.connections[0]?.reply({ cmd: 'connack', returnCode: 0, sessionPresent: false });
  return { client, net };
}

describe('errors name the limit hit (R83, R85)', () => {
  it('R85: a 50 MB QoS 1 publish on a connected client with an empty queue is refused naming session.maxQueueBytes, its limit and the size', async () => {
    const { client } = connected();
    const payload = new Uint8Array(50 * 1024 * 1024);
    const error = await client.publish('big', payload, { qos: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SizeLimitError);
    expect(error).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      size: 52_428_800,
      limit: 16_777_216,
      option: 'session.maxQueueBytes',
    });
    expect((error as Error).message).toBe(
      'payload of 52428800 bytes exceeds session.maxQueueBytes (16777216 bytes)',
    );
    // QoS 0 is never queued, so only session.maxPayloadBytes applies to it.
    await expect(client.publish('big', payload, { qos: 0 })).resolves.toBeUndefined();
    await client.disconnect();
  });

  it('R85: above session.maxPayloadBytes, the error names that option', async () => {
    const { client } = connected({ session: { maxPayloadBytes: 100 } });
    const error = await client.publish('t', 'x'.repeat(101)).catch((e: unknown) => e);
    expect((error as Error).message).toBe('payload of 101 bytes exceeds session.maxPayloadBytes (100 bytes)');
    await client.disconnect();
  });

  it("R83: QUEUE_FULL names the bound: the count under 'reject', the bytes under 'drop-newest'", async () => {
    const { client } = connected({ session: { maxQueueLength: 2, maxInflight: 1, overflow: 'reject' } });
    client.publishNow('a', 'x', 1, false);
    client.publishNow('b', 'x', 1, false);
    expect(() => client.publishNow('c', 'x', 1, false)).toThrow(MessageDroppedError);
    expect(() => client.publishNow('c', 'x', 1, false)).toThrow(
      "publish refused (overflow 'reject'): the queue holds session.maxQueueLength = 2 messages",
    );
    await client.disconnect();
    const bytes = connected({ session: { maxQueueBytes: 10, maxInflight: 1, overflow: 'drop-newest' } });
    bytes.client.publishNow('a', 'x'.repeat(6), 1, false);
    const error = await bytes.client.publish('b', 'x'.repeat(5), { qos: 1 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'QUEUE_FULL' });
    expect((error as Error).message).toBe(
      'publish dropped (queue overflow): 6 bytes queued + 5 exceed session.maxQueueBytes = 10',
    );
    await bytes.client.disconnect();
  });
});
