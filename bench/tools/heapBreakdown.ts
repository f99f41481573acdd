/**
 * Where an idle client's heap goes: connects N clients of one library, takes a heap snapshot
 * before and after, and prints the growth per client grouped by constructor (or V8 node type).
 *
 *   npx tsx bench/build.ts
 *   node --expose-gc node_modules/.cache/mqtt-lifeline-bench/bench/tools/heapBreakdown.js lifeline|mqttjs [clients] [top]
 *
 * (compiled JavaScript: under tsx its `__name` wrappers would add about 10 KB per
 * mqtt-lifeline client). Starts its own mosquitto. Snapshots are parsed in-process, so keep
 * `clients` around 1,000.
 */
import { readFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { startBenchBroker } from '../broker.js';
import { type ClientKind, loadClient } from '../clients/types.js';
import { connectMany, sleep } from '../scenarios/support.js';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Bytes and counts per group ("Foo" for objects, "(closure) bar" for functions, "(array)" ...). */
function groups(file: string): Map<string, { bytes: number; count: number }> {
  const data = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = data.snapshot.meta.node_fields;
  const types = data.snapshot.meta.node_types[0];
  const stride = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const result = new Map<string, { bytes: number; count: number }>();
  for (let i = 0; i < data.nodes.length; i += stride) {
    const type = types[data.nodes[i + typeAt] as number] ?? '?';
    const name = data.strings[data.nodes[i + nameAt] as number] ?? '?';
    const key =
      type === 'object' ? name : type === 'closure' ? `(closure) ${name || 'anonymous'}` : `(${type})`;
    const entry = result.get(key) ?? { bytes: 0, count: 0 };
    entry.bytes += data.nodes[i + sizeAt] as number;
    entry.count += 1;
    result.set(key, entry);
  }
  return result;
}

async function snapshot(): Promise<Map<string, { bytes: number; count: number }>> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  for (let i = 0; i < 4; i++) {
    gc();
    await sleep(10);
  }
  const file = writeHeapSnapshot(join(tmpdir(), `bench-heap-${process.pid}-${Date.now()}.heapsnapshot`));
  try {
    return groups(file);
  } finally {
    unlinkSync(file);
  }
}

async function main(): Promise<void> {
  const kind = (process.argv[2] ?? 'lifeline') as ClientKind;
  const count = Number(process.argv[3] ?? 1000);
  const top = Number(process.argv[4] ?? 25);
  const broker = await startBenchBroker();
  try {
    const create = await loadClient(kind);
    // As in the idle-memory scenario: the baseline includes loaded modules and a sized heap.
    await Promise.all((await connectMany(create, broker.port, 50)).map((c) => c.end()));
    await sleep(500);
    const before = await snapshot();
    const clients = await connectMany(create, broker.port, count);
    await sleep(1000);
    const after = await snapshot();
    const rows = [...after].map(([key, a]) => {
      const b = before.get(key) ?? { bytes: 0, count: 0 };
      return { key, bytes: (a.bytes - b.bytes) / count, count: (a.count - b.count) / count };
    });
    rows.sort((x, y) => y.bytes - x.bytes);
    const total = rows.reduce((sum, r) => sum + r.bytes, 0);
    console.log(`${kind}: ${total.toFixed(0)} bytes of heap per idle client (${count} clients)`);
    for (const r of rows.slice(0, top)) {
      console.log(`${r.bytes.toFixed(0).padStart(8)} B  ${r.count.toFixed(1).padStart(6)} objects  ${r.key}`);
    }
    await Promise.all(clients.map((c) => c.end()));
  } finally {
    await broker.stop();
  }
}

await main();
