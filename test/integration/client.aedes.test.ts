/** The MQTT client over real sockets against aedes: publish / subscribe at every QoS, the RxJS API. */
import { firstValueFrom, take, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { MqttClient, type MqttClientOptions } from '../../runtime/client.js';
import { ofType } from '../../streams/events.js';
import { text } from '../../streams/messages.js';
import { whenState } from '../../streams/whenState.js';
import { type AedesHandle, startAedes } from '../support/brokers.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(
  options: Partial<MqttClientOptions> = {},
): Promise<{ broker: AedesHandle; client: MqttClient }> {
  const broker = await startAedes();
  cleanups.push(() => broker.close());
  const client = new MqttClient({
    servers: [{ host: '127.0.0.1', port: broker.port, minDelayMs: 20, maxDelayMs: 40 }],
    ...options,
  });
  cleanups.push(() => client.disconnect());
  client.connect();
  await firstValueFrom(whenState(client, 'connected', { timeoutMs: 5000 }));
  return { broker, client };
}

describe('MqttClient against aedes', () => {
  it.each([0, 1, 2] as const)(
    'round-trips a QoS %i message through subscribe() and publish()',
    async (qos) => {
      const { client } = await setup();
      const received = firstValueFrom(
        client.subscribe(`t/${qos}/+`, { qos }).pipe(take(2), text(), toArray()),
      );
      await firstValueFrom(client.events$.pipe(ofType('suback')));
      await client.publish(`t/${qos}/a`, 'one', { qos });
      await client.publish(`t/${qos}/b`, 'two', { qos });
      expect(await received).toEqual(['one', 'two']);
    },
  );

  it('state$ gives late subscribers the current state', async () => {
    const { client } = await setup();
    expect(await firstValueFrom(client.state$)).toBe('connected');
  });
});
