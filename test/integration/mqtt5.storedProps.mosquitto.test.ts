/**
 * MQTT 5 publish properties survive a restart in the file store (spec R304), against a stock
 * mosquitto: a client publishes with properties while offline, its store is closed ("the process
 * dies"), and a new client on the same file sends the message with them; one whose Message Expiry
 * Interval ran out meanwhile, on the wall clock, is dropped (event `drop`, reason `expired`) and
 * never reaches the broker. The wire validator (R225) parses MQTT 3.1.1 only, so, as in
 * mqtt5.messages.mosquitto.test.ts, mosquitto is the judge of the MQTT 5 bytes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, take, toArray } from 'rxjs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MqttClient } from '../../adapters/node.js';
import { openFileStore } from '../../adapters/stores/file.js';
import type { ClientEvent, Message } from '../../runtime/types.js';
import { haveMosquitto, type MosquittoHandle, startMosquitto } from '../support/brokers.js';
import { connect, useResources } from '../support/integration.js';

const { own } = useResources();
const text = (m: Message) => new TextDecoder().decode(m.payload);

describe.runIf(haveMosquitto)('MQTT 5 properties in the file store, against mosquitto (R304)', () => {
  let broker: MosquittoHandle;
  let dir: string;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await broker?.stop();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mqtt-lifeline-v5store-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const onFile = (path: string) => {
    const store = openFileStore(path);
    const client = new MqttClient({
      servers: [{ host: '127.0.0.1', port: broker.port, clientId: 'v5-stored', clean: false }],
      protocolVersion: 5,
      jitter: 0,
      session: { store },
    });
    return { client, store };
  };

  it('R304: a message published with properties while offline arrives after a restart with them; one that expired across the restart is dropped', async () => {
    const sub = own(
      new MqttClient({
        servers: [{ host: '127.0.0.1', port: broker.port, clientId: 'v5-stored-sub' }],
        protocolVersion: 5,
        jitter: 0,
      }),
    );
    await connect(sub);
    await sub.subscribeAsync('stored/#', { qos: 1 });
    const got = firstValueFrom(sub.messages$.pipe(take(2), toArray()));

    const path = join(dir, 'session.log');
    const first = onFile(path);
    const properties = {
      userProperties: [
        ['k', '2'],
        ['k', '1'],
      ] as const,
      contentType: 'application/json',
      responseTopic: 'stored/reply',
      correlationData: new Uint8Array([0, 255]),
      messageExpiryInterval: 3600,
    };
    // Never connected: the messages wait in the store. Their promises die with the "process".
    first.client.publish('stored/a', '{"n":1}', { qos: 1, properties }).catch(() => undefined);
    first.client
      .publish('stored/short', 'gone', { qos: 1, properties: { messageExpiryInterval: 1 } })
      .catch(() => undefined);
    first.client.publish('stored/b', 'plain', { qos: 2 }).catch(() => undefined);
    first.store.close();
    // The short one's second passes on the wall clock while no process runs.
    await new Promise((resolve) => setTimeout(resolve, 1200));

    const second = onFile(path);
    own(second.client);
    const events: ClientEvent[] = [];
    second.client.onEvent((e) => events.push(e));
    await connect(second.client);
    const [a, b] = await got;
    expect([a?.topic, b?.topic]).toEqual(['stored/a', 'stored/b']);
    expect(text(a as Message)).toBe('{"n":1}');
    expect(a?.properties).toMatchObject({
      userProperties: [
        ['k', '2'],
        ['k', '1'],
      ],
      contentType: 'application/json',
      responseTopic: 'stored/reply',
    });
    expect([...(a?.properties?.correlationData ?? [])]).toEqual([0, 255]);
    // What was left of the hour: the seconds spent down counted.
    expect(a?.properties?.messageExpiryInterval).toBeLessThan(3600);
    expect(a?.properties?.messageExpiryInterval).toBeGreaterThan(3500);
    expect(b?.properties?.contentType).toBeUndefined();
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'drop', reason: 'expired', topic: 'stored/short', qos: 1 }),
    );
    await second.client.disconnect();
    second.store.close();
  });
});
