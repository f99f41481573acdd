/**
 * `npm run size`: the browser bundles, minified and gzipped, against the 30 KB budget of the
 * default browser client (spec R123, R232), next to MQTT.js's browser bundle, and what each module of
 * the default client costs after gzip (R188). Exits 1 when the budget is missed
 * or a bundle cannot be built for browsers (a Node built-in on the browser path).
 */
import { type ModuleShare, moduleShares } from './browser/shares.js';
import { BROWSER_BUDGET_GZIP_BYTES, DEFAULT_CLIENT_ENTRY, kb, measureSizes } from './browser/sizes.js';

const rows = await measureSizes();
const width = Math.max(...rows.map((row) => row.name.length));
console.log(`${'bundle'.padEnd(width)}  ${'minified'.padStart(9)}  ${'gzip -9'.padStart(9)}  budget`);
let over = false;
for (const row of rows) {
  const verdict =
    row.budget === undefined
      ? ''
      : row.gzipBytes <= row.budget
        ? `<= ${kb(row.budget)} ok`
        : `> ${kb(row.budget)} OVER`;
  over ||= row.budget !== undefined && row.gzipBytes > row.budget;
  console.log(
    `${row.name.padEnd(width)}  ${kb(row.bytes).padStart(9)}  ${kb(row.gzipBytes).padStart(9)}  ${verdict}`,
  );
}
const client = rows[0];
if (client !== undefined) {
  console.log(`\ndefault browser client, minified bytes by package:`);
  for (const part of client.parts) console.log(`  ${part.name.padEnd(20)} ${kb(part.bytes).padStart(9)}`);
}
if (client !== undefined) {
  const shares = await moduleShares(DEFAULT_CLIENT_ENTRY, ['rxjs']);
  const xstate = shares.filter((share) => share.module.startsWith('node_modules/xstate/'));
  const own = shares.filter((share) => !share.module.startsWith('node_modules/'));
  const sum = (list: readonly ModuleShare[]) => list.reduce((total, share) => total + share.gzipBytes, 0);
  console.log(`\ndefault browser client, gzip bytes each module accounts for (what leaving it out saves):`);
  console.log(`  ${'xstate (all of it)'.padEnd(40)} ${kb(sum(xstate)).padStart(9)}`);
  console.log(`  ${'our modules (all of them)'.padEnd(40)} ${kb(sum(own)).padStart(9)}`);
  for (const share of own.slice(0, 20))
    console.log(`  ${share.module.padEnd(40)} ${kb(share.gzipBytes).padStart(9)}`);
}
if (over) {
  console.error(`\nthe browser client is over its ${kb(BROWSER_BUDGET_GZIP_BYTES)} gzip budget`);
  process.exitCode = 1;
}
