/** The soak's report as Markdown, for the console and bench/RESULTS.md. */
import type { SoakReport } from './soak.js';

const MB = 2 ** 20;
const mb = (bytes: number) => (bytes / MB).toFixed(1);

/** A Markdown summary of `report`: flows, faults, memory and handles over time. */
export function formatSoak(report: SoakReport): string {
  const samples = report.samples;
  const first = samples[0];
  const last = samples.at(-1);
  const lines = [
    `Ran ${(report.seconds / 60).toFixed(1)} min with ${report.faults.length} faults ` +
      `(${countBy(report.faults.map((f) => f.fault))}); side A ran as ${report.peerRuns} processes; ` +
      `side B connected ${report.connects} times; drained: ${report.drained ? 'yes' : 'NO'}.`,
    '',
    '| direction | QoS | accepted | delivered | lost | duplicates |',
    '| --- | --- | --- | --- | --- | --- |',
    ...[...report.flows]
      .sort((x, y) => x.direction.localeCompare(y.direction) || x.qos - y.qos)
      .map(
        (f) => `| ${f.direction} | ${f.qos} | ${f.accepted} | ${f.delivered} | ${f.lost} | ${f.duplicates} |`,
      ),
    '',
    `Wire violations: ${report.wireViolations.length}; QoS >= 1 messages a session dropped: ${report.drops.length}.`,
  ];
  for (const f of report.flows)
    if (f.qos > 0 && f.lost > 0)
      lines.push(`Lost ${f.direction} QoS ${f.qos}, e.g.: ${f.lostExamples.join(' ')}`);
  for (const line of [...report.wireViolations, ...report.drops].slice(0, 10)) lines.push(`- ${line}`);
  if (first !== undefined && last !== undefined) {
    lines.push(
      `Side B's process after a full GC, first sample -> last: heap ${mb(first.heapUsed)} -> ${mb(last.heapUsed)} MB, ` +
        `RSS ${mb(first.rss)} -> ${mb(last.rss)} MB, active handles ${first.handles} -> ${last.handles}; ` +
        `slope over the second half: heap ${(report.heapSlope / 1024).toFixed(1)} KB/min, RSS ${(report.rssSlope / 1024).toFixed(1)} KB/min; ` +
        `event-loop delay p99 at most ${Math.max(...samples.map((s) => s.loopP99)).toFixed(1)} ms, ` +
        `max ${Math.max(...samples.map((s) => s.loopMax)).toFixed(1)} ms.`,
    );
  }
  return lines.join('\n');
}

function countBy(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
}

/** The heading of the soak's section in bench/RESULTS.md. */
export const SOAK_HEADING = '## Soak';

/** The soak's section of a RESULTS.md (from its heading to the end), with a newline before it; '' if none. */
export function soakSectionOf(markdown: string): string {
  const at = markdown.indexOf(`\n${SOAK_HEADING}`);
  return at < 0 ? '' : `\n${markdown.slice(at + 1)}`;
}
