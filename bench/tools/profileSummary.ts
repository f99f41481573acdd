/**
 * The top self-time functions of a V8 CPU profile (`node --cpu-prof`), to find a hot path:
 *
 *   npx tsx bench/build.ts     # prints the compiled worker's path
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof node_modules/.cache/mqtt-lifeline-bench/bench/worker.js \
 *     '{"scenario":"publish-cpu","client":"lifeline","params":{"messages":500000,"warmup":20000},"port":1883}'
 *   npx tsx bench/tools/profileSummary.ts /tmp/prof/<file>.cpuprofile [top]
 *
 * (the worker needs a broker on that port. Profiling `bench/worker.ts` under tsx works too, but
 * tsx's `__name` wrappers then show up in the profile.)
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function where(url: string, line: number): string {
  if (url === '') return '(native)';
  const path = url.startsWith('file://') ? relative(process.cwd(), fileURLToPath(url)) : url;
  return `${path}:${line + 1}`;
}

/** Self time per function (name and location), in ms, largest first. */
export function selfTimes(profile: Profile): { name: string; ms: number }[] {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const frame = byNode.get(id)?.callFrame;
    if (frame === undefined) return;
    const key = `${frame.functionName || '(anonymous)'}  ${where(frame.url, frame.lineNumber)}`;
    totals.set(key, (totals.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return [...totals].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms);
}

const file = process.argv[2];
if (file !== undefined) {
  const rows = selfTimes(JSON.parse(readFileSync(file, 'utf8')) as Profile);
  const total = rows.reduce((sum, r) => sum + r.ms, 0);
  const idle = rows.find((r) => r.name.startsWith('(idle)'))?.ms ?? 0;
  console.log(
    `${total.toFixed(0)} ms sampled, ${(total - idle).toFixed(0)} ms busy; shares are of busy time`,
  );
  const busy = rows.filter((r) => !r.name.startsWith('(idle)'));
  for (const r of busy.slice(0, Number(process.argv[3] ?? 30))) {
    const share = total - idle > 0 ? (100 * r.ms) / (total - idle) : 0;
    console.log(`${r.ms.toFixed(1).padStart(9)} ms ${share.toFixed(1).padStart(5)}%  ${r.name}`);
  }
}
