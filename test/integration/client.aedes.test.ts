/** The MQTT client over real sockets against aedes: publish / subscribe at every QoS, the RxJS API. */
import { firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { MqttClient } from '../../adapters/node.js';
import type { MqttClientOptions } from '../../runtime/client.js';
import { ofType } from '../../streams/events.js';
import { text } from '../../streams/messages.js';
import { whenState } from '../../streams/whenState.js';
import type { AedesHandle } from '../support/brokers.js';
import { useResources } from '../support/integration.js';

const { aedes, own, checked } = useResources();

/** A client connected to a fresh aedes; its options are the library defaults under `options`. */
async function setup(
  options: Partial<MqttClientOptions> = {},
): Promise<{ broker: AedesHandle; client: MqttClient }> {
  const broker = await aedes();
  const client = own(
    new MqttClient(
      checked({
        servers: [{ host: '127.0.0.1', port: broker.port, minDelayMs: 20, maxDelayMs: 40 }],
        ...options,
      }),
    ),
  );
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
