/** Bad input gets a clear, typed error: it never crashes the process or hangs (developers' guide). */
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { MqttClient } from '../adapters/node.js';
import { ConfigError, InvalidArgumentError, InvalidTopicError, SizeLimitError } from '../errors.js';
import type { MqttClientOptions } from './client.js';

const servers = [{ host: '127.0.0.1', port: 1 }];

describe('MqttClient bad input', () => {
  it('rejects publishes with an invalid topic, an oversized payload or a bad QoS', async () => {
    const client = new MqttClient({ servers, session: { maxPayloadBytes: 10 } });
    await expect(client.publish('a/+', 'x')).rejects.toBeInstanceOf(InvalidTopicError);
    await expect(client.publish('a', 'x'.repeat(11), { qos: 1 })).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      constructor: SizeLimitError,
    });
    await expect(client.publish('a', 'x', { qos: 3 as 0 })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('errors a subscription to an invalid filter instead of throwing', async () => {
    const client = new MqttClient({ servers });
    await expect(firstValueFrom(client.subscribe('a/#/b'))).rejects.toBeInstanceOf(InvalidTopicError);
  });

  it.each([
    [{ servers: [{ host: 'h', port: 0 }] }, 'servers[0].port'],
    [{ servers: [] }, 'servers'],
    [{ servers: [{ host: 'h', minDelayMs: 5, maxDelayMs: 1 }] }, 'servers[0].maxDelayMs'],
    [{ servers: [{ host: 'h' }], keepAliveSec: 70_000 }, 'keepAliveSec'],
    [{ servers: [{ host: 'h' }], session: { maxInflight: 0 } }, 'session.maxInflight'],
    [{ servers: [{ host: 'h' }], onRefused: 'never' as 'stop' }, 'onRefused'],
  ])('names the offending key of a bad option (%j)', (options, key) => {
    expect(() => new MqttClient(options)).toThrow(ConfigError);
    expect(() => new MqttClient(options)).toThrow(expect.objectContaining({ key }));
  });
});

describe('the refusal policy option (R81)', () => {
  it("defaults to 'stop', and to 'retry' with the mongoose profile; an explicit value wins", () => {
    const policy = (options: Partial<MqttClientOptions>) =>
      new MqttClient({ servers, ...options }).lifecycle.getSnapshot().context.options.onRefused;
    expect(policy({})).toBe('stop');
    expect(policy({ profile: 'mongoose' })).toBe('retry');
    expect(policy({ profile: 'mongoose', onRefused: 'stop' })).toBe('stop');
    expect(policy({ onRefused: 'retry' })).toBe('retry');
  });
});

describe('one connection with plain ports', () => {
  it('the session writes straight to the connection, which hands packets straight to the session', () => {
    const client = new MqttClient({ servers: [{ host: 'p' }] });
    const connection = client.lifecycle.connection;
    expect(connection.session).toBe(client.session);
    // No forwarder between the session and the connection: it is the session's I/O.
    expect(Reflect.get(client.session, 'io')).toBe(connection);
  });
});
