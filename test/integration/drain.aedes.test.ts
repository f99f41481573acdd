/**
 * `publishNow` + `whenWritable` (spec R55) against a broker that reads: 10,000 QoS 0 messages of
 * 1 KB, waiting for `whenWritable()` whenever a publish says `writable: false`, all complete and
 * all arrive, over TCP and over WebSocket. The loop of the README's backpressure example.
 */
import type { Aedes } from 'aedes';
import { describe, expect, it } from 'vitest';
import type { MqttClient } from '../../runtime/client.js';
import { connect, server, useResources } from '../support/integration.js';
import { startAedesWs } from '../support/wsBrokers.js';

const { aedes, defer, makeClient } = useResources();

const COUNT = 10_000;
const KB = Buffer.alloc(1024, 0x61);

/** Publishes COUNT messages, awaiting whenWritable at each high-water mark; returns how many waits. */
async function publishAll(client: MqttClient): Promise<number> {
  let waits = 0;
  for (let i = 0; i < COUNT; i++) {
    if (!client.publishNow('drain/t', KB, 0, false).writable) {
      waits++;
      await client.whenWritable();
    }
  }
  return waits;
}

/** Resolves once the broker has seen `count` PUBLISHes on drain/t. */
function received(broker: Aedes, count: number): Promise<void> {
  let seen = 0;
  return new Promise<void>((resolve) => {
    broker.on('publish', (packet) => {
      if (packet.topic === 'drain/t' && ++seen === count) resolve();
    });
  });
}

describe('publishNow + whenWritable against aedes (R55)', () => {
  it('over TCP: 10,000 QoS 0 messages of 1 KB all complete and all reach the broker', async () => {
    const broker = await aedes();
    const all = received(broker.broker, COUNT);
    const client = makeClient({ servers: [server(broker.port)] });
    await connect(client);
    const waits = await publishAll(client);
    // The mark was reached (else this proves nothing about whenWritable).
    expect(waits).toBeGreaterThan(0);
    await all;
    expect(client.lifecycle.bufferedBytes).toBe(0);
  }, 30_000);

  it('over WebSocket: 10,000 QoS 0 messages of 1 KB all complete and all reach the broker', async () => {
    const broker = await startAedesWs();
    defer(() => broker.close());
    const all = received(broker.broker, COUNT);
    const client = makeClient({ servers: [{ url: `ws://127.0.0.1:${broker.port}` }] });
    await connect(client);
    const waits = await publishAll(client);
    expect(waits).toBeGreaterThan(0);
    await all;
  }, 30_000);
});
