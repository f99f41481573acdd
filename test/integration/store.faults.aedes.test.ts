/**
 * Store faults end to end (docs/spec.md R203, R208, R209): a publisher whose session store is on a
 * real tmpfs that fills up, against a real aedes broker. The publish that cannot be stored
 * rejects, the client stops, and once there is room again a new client on the same file delivers
 * every message accepted before the fault to a subscriber, in order, none lost.
 */
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileStore } from '../../adapters/stores/file.js';
import { nodeFs } from '../../adapters/stores/fs.js';
import { StoreError } from '../../errors.js';
import type { StoreFaultEvent } from '../../runtime/types.js';
import { recordClient, waitForClientEvent, waitForCount } from '../support/clientEvents.js';
import { fill, mountsUnavailable, mountTmpfs } from '../support/faultyDisks.js';
import { faultyFs } from '../support/faultyFs.js';
import { connect, server, useResources } from '../support/integration.js';

const { aedes, defer, makeClient, own } = useResources();

describe('a full disk under a publisher, against aedes (R208, R209)', () => {
  it('every message accepted before the fault reaches the subscriber after a restart on the same file, in order', async () => {
    const broker = await aedes();
    const subscriber = own(makeClient({ servers: [server(broker.port, { clientId: 'sub' })] }));
    const seen = recordClient(subscriber);
    await connect(subscriber);
    const subscribed = waitForClientEvent(subscriber, 'suback', (e) => e.filter === 'disk/#');
    subscriber.session.subscribe('disk/#', 1);
    expect((await subscribed).granted).toBe(1);

    const why = mountsUnavailable();
    const f = faultyFs();
    let dir: string;
    if (why === undefined) {
      const disk = mountTmpfs(256 * 1024);
      defer(disk.unmount);
      dir = disk.dir;
    } else {
      process.stderr.write(`store.faults.aedes: ENOSPC injected through the fs seam: ${why}\n`);
      dir = mkdtempSync(join(tmpdir(), 'mqtt-lifeline-diskfull-'));
      defer(() => rmSync(dir, { recursive: true, force: true }));
    }
    const path = join(dir, 'publisher.session');
    const fs = why === undefined ? nodeFs : f.fs;
    const publisherOn = (store: FileStore) =>
      own(
        makeClient({
          servers: [server(broker.port, { clientId: 'disk-publisher', clean: false })],
          session: { store },
        }),
      );

    // Offline (not connected yet): everything accepted waits in the store, none is delivered yet.
    const store = new FileStore(path, { fsync: 'every' }, fs);
    const publisher = publisherOn(store);
    const faults: StoreFaultEvent[] = [];
    publisher.onEvent((e) => e.type === 'store.fault' && faults.push(e));
    const filler = why === undefined ? fill(dir) : undefined;
    if (why !== undefined) f.fail('writeSync', 'ENOSPC', { after: 40 });
    const accepted: string[] = [];
    let refused: unknown;
    for (let i = 0; i < 10_000 && refused === undefined; i++) {
      try {
        publisher.publishNow(`disk/${i % 3}`, `m${i}`, 1, false);
        accepted.push(`m${i}`);
      } catch (error) {
        refused = error;
      }
    }
    expect(refused).toBeInstanceOf(StoreError);
    expect((refused as StoreError).fault).toBe('DISK_FULL');
    expect(accepted.length).toBeGreaterThan(10);
    expect(faults.map((e) => [e.fault, e.action])).toEqual([['DISK_FULL', 'stop']]);
    if (publisher.state !== 'stopped') await waitForClientEvent(publisher, 'stopped');
    expect(seen.filter((e) => e.type === 'message')).toEqual([]);

    // The next run, with room again: the same file, a new client.
    if (filler !== undefined) unlinkSync(filler);
    f.heal('writeSync');
    store.close();
    const reopened = new FileStore(path, { fsync: 'every' }, fs);
    defer(() => reopened.close());
    await connect(publisherOn(reopened));
    const messages = () => seen.flatMap((e) => (e.type === 'message' ? [e.text] : []));
    await waitForCount(subscriber, messages, accepted.length, 10_000);
    expect(messages()).toEqual(accepted);
  });
});
