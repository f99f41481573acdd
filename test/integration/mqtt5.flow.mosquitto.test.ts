/**
 * MQTT 5 flow control against mosquitto (spec R243): the broker's Receive Maximum is the window.
 * mosquitto announces `max_inflight_messages` as Receive Maximum and answers QoS 2 publishes above
 * it with PUBREC 0x97 (Quota exceeded), dropping them (../shared/reference/mqtt5.md, section 2);
 * a client that keeps to the window loses none, though its own `maxInflight` (20) is larger.
 */
import { firstValueFrom, take, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MqttClient } from '../../adapters/node.js';
import { ofType } from '../../streams/events.js';
import { text } from '../../streams/messages.js';
import { haveMosquitto, type MosquittoHandle, startMosquitto } from '../support/brokers.js';
import { connect, useResources } from '../support/integration.js';

const { own, checked, validators } = useResources();

describe.runIf(haveMosquitto)('MQTT 5 flow control against mosquitto', () => {
  let broker: MosquittoHandle;
  beforeAll(async () => {
    broker = await startMosquitto({ config: 'max_inflight_messages 5' });
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('R243: 300 QoS 2 publishes at once to a broker with Receive Maximum 5 are all delivered, in order', async () => {
    const server = { host: '127.0.0.1', port: broker.port };
    const options = { protocolVersion: 5 as const, jitter: 0 };
    const sub = own(new MqttClient(checked({ servers: [{ ...server, clientId: 'rm-sub' }], ...options })));
    const pub = own(new MqttClient(checked({ servers: [{ ...server, clientId: 'rm-pub' }], ...options })));
    await connect(sub);
    await connect(pub);
    const subscribed = firstValueFrom(sub.events$.pipe(ofType('suback')));
    const got = firstValueFrom(sub.subscribe('rm/+', { qos: 2 }).pipe(text(), take(300), toArray()));
    await subscribed;
    const sent = Array.from({ length: 300 }, (_, i) => `m${i}`);
    await Promise.all(sent.map((m) => pub.publish('rm/x', m, { qos: 2 })));
    expect(await got).toEqual(sent);
    // The wire check saw all 300 as MQTT 5, held against the broker's Receive Maximum (R224, R336).
    expect(validators[1]?.counts.get('publish')).toBe(300);
  }, 30_000);
});
