/**
 * MQTT 5 end to end against a stock mosquitto (spec R235-R239): the same client code as for
 * 3.1.1, with `protocolVersion: 5`, connects, subscribes, publishes and receives at QoS 0, 1 and
 * 2. mosquitto logs each client's protocol version (`p5`; 3.1.1 is `p2`), which proves the CONNECT was MQTT 5; it
 * would close the connection on any packet that is not valid MQTT 5, so every round trip proves
 * the outbound encoding too.
 */
import { firstValueFrom, take, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MqttClient } from '../../adapters/node.js';
import type { QoS } from '../../protocol/encode.js';
import { ofType } from '../../streams/events.js';
import { text } from '../../streams/messages.js';
import { haveMosquitto, type MosquittoHandle, startMosquitto } from '../support/brokers.js';
import { connect, useResources } from '../support/integration.js';

const { own, checked } = useResources();

describe.runIf(haveMosquitto)('MQTT 5 against mosquitto', () => {
  let broker: MosquittoHandle;
  beforeAll(async () => {
    broker = await startMosquitto({ config: 'connection_messages true\nlog_type all' });
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('R235, R236: protocolVersion 5 sends an MQTT 5 CONNECT (mosquitto logs p5); the default stays 3.1.1 (p2)', async () => {
    const v5 = own(
      new MqttClient(
        checked({
          servers: [{ host: '127.0.0.1', port: broker.port, clientId: 'v5-client' }],
          protocolVersion: 5,
        }),
      ),
    );
    const v4 = own(
      new MqttClient(checked({ servers: [{ host: '127.0.0.1', port: broker.port, clientId: 'v4-client' }] })),
    );
    await connect(v5);
    await connect(v4);
    expect(broker.log()).toMatch(/as v5-client \(p5, /);
    // mosquitto numbers its protocols p1 (3.1), p2 (3.1.1), p5 (5).
    expect(broker.log()).toMatch(/as v4-client \(p2, /);
  });

  it('R235: ?protocolVersion=5 in the URL says the same for that server', async () => {
    const c = own(
      new MqttClient(
        checked({
          servers: [{ url: `mqtt://127.0.0.1:${broker.port}?protocolVersion=5`, clientId: 'v5-url' }],
        }),
      ),
    );
    await connect(c);
    expect(broker.log()).toMatch(/as v5-url \(p5, /);
  });

  it.each([0, 1, 2] as const)(
    'R237, R238: subscribes, publishes and receives 20 messages at QoS %i over MQTT 5, in order',
    async (qos: QoS) => {
      const options = { protocolVersion: 5 as const, jitter: 0 };
      const sub = own(
        new MqttClient(
          checked({
            servers: [{ host: '127.0.0.1', port: broker.port, clientId: `sub-${qos}` }],
            ...options,
          }),
        ),
      );
      const pub = own(
        new MqttClient(
          checked({
            servers: [{ host: '127.0.0.1', port: broker.port, clientId: `pub-${qos}` }],
            ...options,
          }),
        ),
      );
      await connect(sub);
      await connect(pub);
      const subscribed = firstValueFrom(sub.events$.pipe(ofType('suback')));
      const got = firstValueFrom(sub.subscribe(`v5/${qos}/+`, { qos }).pipe(text(), take(20), toArray()));
      expect((await subscribed).granted).toBe(qos);
      const sent = Array.from({ length: 20 }, (_, i) => `m${i}`);
      await Promise.all(sent.map((m, i) => pub.publish(`v5/${qos}/${i}`, m, { qos })));
      expect(await got).toEqual(sent);
      expect(broker.log()).toMatch(new RegExp(`as sub-${qos} \\(p5, `));
    },
  );
});
