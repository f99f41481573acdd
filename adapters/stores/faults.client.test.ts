/**
 * What the client does after its file store fails (docs/spec.md R203-R208): a publish that cannot
 * be made durable rejects; the `store.fault` event says what happened; under `stop` the client
 * stops and a new process on the same file resumes every message accepted before the fault;
 * under `memory` it carries on and delivers them itself.
 */
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as mqtt from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { ClientClosedError, StoreError } from '../../errors.js';
import type { ClientEvent, StoreFaultEvent } from '../../runtime/types.js';
import { type FakeConnection, fakeNetwork } from '../../test/support/fakeTransport.js';
import { fill, mountsUnavailable, mountTmpfs } from '../../test/support/faultyDisks.js';
import { faultyFs } from '../../test/support/faultyFs.js';
import { MqttClient } from '../node.js';
import { FileStore, type FileStoreOptions } from './file.js';
import { nodeFs, type StoreFs } from './fs.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mqtt-lifeline-clientfaults-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function storeAt(path: string, options: FileStoreOptions, fs: StoreFs): FileStore {
  const store = new FileStore(path, options, fs);
  cleanups.push(() => {
    try {
      store.close();
    } catch {
      // Closed on a failing disk: it says so, the test is over.
    }
  });
  return store;
}

/** A client on `store`, connected through a fake network (the test plays the broker). */
function connected(store: FileStore, sessionPresent: boolean) {
  const net = fakeNetwork();
  const client = new MqttClient({
    servers: [
      { host: 'p', transport: net.factory, clientId: 'c', clean: false, minDelayMs: 10, maxDelayMs: 10 },
    ],
    clock: new SimulatedClock(),
    session: { store, maxInflight: 5 },
  });
  const events: ClientEvent[] = [];
  client.onEvent((e) => events.push(e));
  void client.connect();
  const conn = net.connections[0] as FakeConnection;
  conn.handlers.onOpen();
  conn.reply({ cmd: 'connack', returnCode: 0, sessionPresent });
  expect(client.isConnected()).toBe(true);
  return { client, conn, events };
}

const publishes = (conn: FakeConnection) =>
  conn.written.filter((p): p is mqtt.IPublishPacket => p.cmd === 'publish');

const faults = (events: ClientEvent[]) =>
  events.filter((e): e is StoreFaultEvent => e.type === 'store.fault');

describe('the client after a store fault (R203, R208)', () => {
  it('stop (the default), on a full disk: the publish that cannot be stored rejects, the client stops, and the next process resumes every message accepted before', async () => {
    const why = mountsUnavailable();
    const f = faultyFs();
    let dir: string;
    if (why === undefined) {
      const disk = mountTmpfs(256 * 1024);
      cleanups.push(disk.unmount);
      dir = disk.dir;
    } else {
      process.stderr.write(`faults.client: ENOSPC injected through the fs seam: ${why}\n`);
      dir = tempDir();
    }
    const path = join(dir, 'session.log');
    const fs = why === undefined ? nodeFs : f.fs;
    const { client, conn, events } = connected(storeAt(path, { fsync: 'every' }, fs), false);
    const stopped = new Promise<void>((resolve) => client.onEvent((e) => e.type === 'stopped' && resolve()));
    const filler = why === undefined ? fill(dir) : undefined;
    if (why !== undefined) f.fail('writeSync', 'ENOSPC', { after: 30 });
    const accepted: number[] = [];
    let error: unknown;
    for (let i = 0; i < 100_000 && error === undefined; i++) {
      try {
        accepted.push(client.publishNow('t', `m${i}`, 1, false).packetId);
      } catch (thrown) {
        error = thrown;
      }
    }
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).fault).toBe('DISK_FULL');
    // The promise API rejects too: never returns as if it were durable.
    await expect(client.publish('t', 'late', { qos: 1 })).rejects.toBe(error);
    expect(faults(events)).toEqual([
      {
        type: 'store.fault',
        code: 'STORE_IO',
        fault: 'DISK_FULL',
        path,
        message: (error as StoreError).message,
        action: 'stop',
      },
    ]);
    await stopped;
    expect(client.state).toBe('stopped');
    // Nothing was written for the refused messages.
    expect(publishes(conn).every((p) => accepted.includes(p.messageId as number))).toBe(true);

    // The next process, room made again: every accepted message comes back, in publish order.
    if (filler !== undefined) unlinkSync(filler);
    f.heal('writeSync');
    for (const cleanup of cleanups.splice(-1)) cleanup();
    const next = connected(storeAt(path, { fsync: 'every' }, fs), true);
    expect(publishes(next.conn).map((p) => p.messageId)).toEqual(accepted.slice(0, 5));
    for (const p of publishes(next.conn))
      next.conn.reply({ cmd: 'puback', messageId: p.messageId as number });
    expect(publishes(next.conn).map((p) => p.messageId)).toEqual(accepted.slice(0, 10));
    expect(accepted.length).toBeGreaterThan(10);
  });

  it('stop, then disconnect({ keepQueue: false }): what waited rejects with ClientClosedError, and the file still has it for the next process (R202, R208)', async () => {
    const f = faultyFs();
    const path = join(tempDir(), 'session.log');
    const { client, conn } = connected(storeAt(path, {}, f.fs), false);
    const waiting = [client.publish('t', 'a', { qos: 1 }), client.publish('t', 'b', { qos: 2 })];
    const stopped = new Promise<void>((resolve) => client.onEvent((e) => e.type === 'stopped' && resolve()));
    f.fail('writeSync', 'EIO');
    await expect(client.publish('t', 'c', { qos: 1 })).rejects.toBeInstanceOf(StoreError);
    await stopped;
    await client.disconnect({ keepQueue: false });
    for (const outcome of waiting) await expect(outcome).rejects.toBeInstanceOf(ClientClosedError);
    expect(publishes(conn).map((p) => p.payload.toString())).toEqual(['a', 'b']);
    f.heal('writeSync');
    for (const cleanup of cleanups.splice(-1)) cleanup();
    const next = connected(storeAt(path, {}, nodeFs), true);
    // With their ids (DUP may be 0 for one whose `sent` record was still buffered, R102).
    const again = (p: mqtt.IPublishPacket) => [p.payload.toString(), p.qos, p.messageId];
    expect(publishes(next.conn).map(again)).toEqual(publishes(conn).map(again));
  });

  it('memory: the publish that met the fault rejects; the client carries on, says so, and delivers everything accepted before and after', async () => {
    const f = faultyFs();
    const path = join(tempDir(), 'session.log');
    const { client, conn, events } = connected(storeAt(path, { onFault: 'memory' }, f.fs), false);
    const before = [client.publish('t', 'a', { qos: 1 }), client.publish('t', 'b', { qos: 2 })];
    f.fail('writeSync', 'EIO');
    const refused = client.publish('t', 'c', { qos: 1 });
    await expect(refused).rejects.toBeInstanceOf(StoreError);
    const fault = faults(events);
    expect(fault.map(({ fault, action }) => ({ fault, action }))).toEqual([
      { fault: 'IO_ERROR', action: 'memory' },
    ]);
    const after = client.publish('t', 'd', { qos: 1 });
    expect(client.isConnected()).toBe(true);
    const sent = publishes(conn);
    expect(sent.map((p) => p.payload.toString())).toEqual(['a', 'b', 'd']);
    conn.reply({ cmd: 'puback', messageId: sent[0]?.messageId as number });
    conn.reply({ cmd: 'pubrec', messageId: sent[1]?.messageId as number });
    conn.reply({ cmd: 'pubcomp', messageId: sent[1]?.messageId as number });
    conn.reply({ cmd: 'puback', messageId: sent[2]?.messageId as number });
    await expect(Promise.all([...before, after])).resolves.toEqual([undefined, undefined, undefined]);
    expect(faults(events)).toHaveLength(1);
  });

  it('a log deleted underneath a connected client is written again; the client stays up and says so (R206)', async () => {
    const path = join(tempDir(), 'session.log');
    const store = storeAt(path, { fsyncIntervalMs: 5 }, nodeFs);
    const { client, events } = connected(store, false);
    const heard = new Promise<StoreFaultEvent>((resolve) =>
      client.onEvent((e) => e.type === 'store.fault' && resolve(e)),
    );
    client.publishNow('t', 'kept', 1, false);
    unlinkSync(path);
    const event = await heard;
    expect(event.action).toBe('rewritten');
    expect(event.fault).toBe('FILE_CHANGED');
    expect(client.isConnected()).toBe(true);
    expect(faults(events)).toHaveLength(1);
    for (const cleanup of cleanups.splice(-1)) cleanup();
    const next = connected(storeAt(path, {}, nodeFs), true);
    expect(publishes(next.conn).map((p) => p.payload.toString())).toEqual(['kept']);
  });
});
