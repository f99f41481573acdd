/**
 * `npm run soak [-- --minutes N] [--fault-every S]`: the soak (spec R227-R229; report format R229), outside CI. Default
 * one hour with a fault every 60 s. Prints progress, then a Markdown report (also written to
 * `bench/soak/last-run.md`, with the samples in `bench/soak/last-run.json`). `SOAK_TRACE=<dir>`
 * also writes every packet through the proxy, both clients' events and mosquitto's full log
 * there (bench/soak/trace.ts): how a lost message is attributed.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatSoak } from './format.js';
import { runSoak } from './soak.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    'fault-every': { type: 'string', default: '60' },
    rate: { type: 'string', default: '5' },
  },
});
const minutes = Number(values.minutes);
const report = await runSoak({
  seconds: minutes * 60,
  faultEverySec: Number(values['fault-every']),
  rate: Number(values.rate),
  log: (line) => console.log(line),
});
const markdown = formatSoak(report);
const here = dirname(fileURLToPath(import.meta.url));
writeFileSync(join(here, 'last-run.md'), `${markdown}\n`);
writeFileSync(join(here, 'last-run.json'), `${JSON.stringify(report, null, 1)}\n`);
console.log(`\n${markdown}`);
const lost = report.flows.filter((f) => f.qos > 0).reduce((n, f) => n + f.lost, 0);
process.exitCode = lost > 0 || report.wireViolations.length > 0 || !report.drained ? 1 : 0;
