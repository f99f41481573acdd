/**
 * QoS 1 throughput of mqtt-lifeline with the file store (issue 11), against mqtt-lifeline with
 * its in-memory session: the `lifeline` run uses a fresh file store in the system temp dir, the
 * baseline run (in the MQTT.js column of this row) the default session. Same window, same payload.
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

export const run: Scenario<ThroughputStoreParams> = async (kind, params, port) => {
  if (kind !== 'lifeline') return measureAcked('lifeline', params, { port });
  const dir = mkdtempSync(join(tmpdir(), 'mqtt-lifeline-bench-store-'));
  const store = openFileStore(join(dir, 'session.log'), { fsync: params.fsync });
  try {
    return await measureAcked('lifeline', params, { port, store });
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
};
