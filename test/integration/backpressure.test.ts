/**
 * Backpressure (spec R54-R56) against a broker that stops reading: a scripted broker pauses its
 * socket after CONNACK, so the kernel's buffers fill and stay full until it reads again.
 */
import { describe, expect, it } from 'vitest';
import { MessageDroppedError } from '../../errors.js';
import type { MqttClient } from '../../runtime/client.js';
import { recordClient, waitForClientEvent } from '../support/clientEvents.js';
import { connack, type FakeBroker, type FakeConnection, publishesOf } from '../support/fakeBroker.js';
import { connect, server, useResources } from '../support/integration.js';

const { fakeBroker, makeClient } = useResources();

const KB = Buffer.alloc(1024, 0x61);
/** A QoS 0 PUBLISH of {@link KB} on topic `bp/t`: header (2 + 2 length bytes), topic, payload. */
const PACKET_BYTES = 1 + 2 + 2 + 'bp/t'.length + KB.length;

/** A broker that answers CONNECT and then never reads again (until `resume()`). */
function stalledBroker(): Promise<FakeBroker> {
  return fakeBroker((connection, packet) => {
    if (packet.cmd !== 'connect') return;
    connection.send(connack(false));
    connection.pause();
  });
}

/**
 * `for (;;) await client.publish(...)` until a publish's bytes stay in the client because the
 * kernel would not take them (a 1 KB write to a socket with room completes at once, and nobody
 * reads on the other side, so it never will). Returns the pending publish, how many completed,
 * and the most bytes the client held at any point.
 */
async function publishUntilStalled(
  client: MqttClient,
): Promise<{ pending: Promise<void>; completed: number; mostBuffered: number }> {
  let mostBuffered = 0;
  for (let completed = 0; completed < 100_000; completed++) {
    const pending = client.publish('bp/t', KB, { qos: 0 });
    // The transport's flush was queued by the publish, so it has run when this continues.
    await null;
    const buffered = client.lifecycle.bufferedBytes;
    mostBuffered = Math.max(mostBuffered, buffered);
    if (buffered > 0) return { pending, completed, mostBuffered };
    await pending;
  }
  throw new Error('100,000 KB published into a broker that does not read: no backpressure');
}

/** Settles to 'pending' if `promise` has not settled after the already-queued work has run. */
async function state(promise: Promise<unknown>): Promise<'resolved' | 'rejected' | 'pending'> {
  let result: 'resolved' | 'rejected' | 'pending' = 'pending';
  promise.then(
    () => {
      result = 'resolved';
    },
    () => {
      result = 'rejected';
    },
  );
  await new Promise((resolve) => setImmediate(resolve));
  return result;
}

describe('backpressure: a broker that stops reading (R54-R56)', () => {
  it('awaiting each QoS 0 publish waits for the socket: the client holds at most one message, and the pending one completes once the broker reads', async () => {
    const broker = await stalledBroker();
    const client = makeClient({ servers: [server(broker.port)] });
    await connect(client);
    const { pending, completed, mostBuffered } = await publishUntilStalled(client);

    // What the kernel took (a few MB on loopback), not the 330,000 "completed" of issue 8.
    expect(completed).toBeLessThan(40_000);
    expect(mostBuffered).toBeLessThanOrEqual(PACKET_BYTES);
    expect(await state(pending)).toBe('pending');
    expect(client.numUnsentBytes()).toBe(PACKET_BYTES);

    (broker.connections[0] as FakeConnection).resume();
    await pending;
    await client.publish('bp/t', 'last', { qos: 0 });
    const last = await broker.nextPacket((p) => p.cmd === 'publish' && p.payload.toString() === 'last');
    expect(publishesOf(last.connection)).toHaveLength(completed + 2);
  });

  it('publishNow reports the high-water mark, drops above maxBufferedBytes with a drop event, and whenWritable/drain follow the broker reading again', async () => {
    const broker = await stalledBroker();
    const maxBufferedBytes = 64 * 1024;
    const client = makeClient({ servers: [server(broker.port)], session: { maxBufferedBytes } });
    const events = recordClient(client);
    await connect(client);
    const { pending } = await publishUntilStalled(client);
    const stalledAt = client.lifecycle.bufferedBytes;

    const results = Array.from({ length: 1000 }, () => client.publishNow('bp/t', KB, 0, false));
    const sent = results.filter((r) => r.disposition === 'sent');
    const dropped = results.filter((r) => r.disposition === 'dropped');
    // Writable until the transport reached its mark, then not; dropped once above the bound.
    expect(results[0]?.writable).toBe(true);
    expect(results.at(-1)?.writable).toBe(false);
    expect(sent.length).toBeGreaterThan(0);
    expect(dropped.length).toBe(1000 - sent.length);
    expect(dropped.length).toBeGreaterThan(0);
    expect(client.lifecycle.bufferedBytes).toBeLessThanOrEqual(maxBufferedBytes + PACKET_BYTES);
    expect(client.lifecycle.bufferedBytes).toBe(stalledAt + sent.length * PACKET_BYTES);
    const drops = events.filter((e) => e.type === 'drop');
    expect(drops).toHaveLength(dropped.length);
    expect(drops[0]).toEqual({ type: 'drop', reason: 'buffer-full', topic: 'bp/t', packetId: 0, qos: 0 });
    await expect(client.publish('bp/t', KB, { qos: 0 })).rejects.toThrow(MessageDroppedError);

    expect(client.needsDrain).toBe(true);
    const writable = client.whenWritable();
    expect(await state(writable)).toBe('pending');
    const drained = waitForClientEvent(client, 'drain');
    (broker.connections[0] as FakeConnection).resume();
    await Promise.all([writable, drained, pending]);
    expect(client.needsDrain).toBe(false);
    expect(client.lifecycle.bufferedBytes).toBe(0);
  });

  it('a QoS 0 publish whose bytes never left the client rejects when the connection drops, with a drop event (R54)', async () => {
    const broker = await stalledBroker();
    const client = makeClient({ servers: [server(broker.port)] });
    await connect(client);
    const { pending } = await publishUntilStalled(client);
    const drop = waitForClientEvent(client, 'drop');
    (broker.connections[0] as FakeConnection).destroy();
    await expect(pending).rejects.toMatchObject({ code: 'MESSAGE_DROPPED' });
    expect(await drop).toMatchObject({ reason: 'offline', topic: 'bp/t', qos: 0 });
  });
});
