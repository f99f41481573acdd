/**
 * QoS 1 throughput of mqtt-lifeline with the file store (issue 11) relative to its in-memory
 * session, both with the defaults on the same broker in the same worker: in-memory, file store,
 * in-memory again (the two in-memory runs averaged, so warm-up favours neither side). The file
 * store is fresh, in the system temp dir.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FsyncPolicy, openFileStore } from '../../adapters/stores/file.js';
import type { Scenario } from './support.js';
import { measureAcked, type ThroughputAckedParams } from './throughputAcked.js';

export interface ThroughputStoreParams extends ThroughputAckedParams {
  readonly fsync: FsyncPolicy;
}

export const run: Scenario<ThroughputStoreParams> = async (_kind, params, port) => {
  const before = await measureAcked('lifeline', params, { port });
  const dir = mkdtempSync(join(tmpdir(), 'mqtt-lifeline-bench-store-'));
  const store = openFileStore(join(dir, 'session.log'), { fsync: params.fsync });
  let file: Record<string, number>;
  try {
    file = await measureAcked('lifeline', params, { port, store });
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const after = await measureAcked('lifeline', params, { port });
  const memory = ((before.msgsPerSec ?? 0) + (after.msgsPerSec ?? 0)) / 2;
  const msgsPerSec = file.msgsPerSec ?? 0;
  return { msgsPerSec, memoryMsgsPerSec: memory, vsMemory: msgsPerSec / memory, lost: file.lost ?? 0 };
};
