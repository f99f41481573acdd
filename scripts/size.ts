/**
 * `npm run size`: the browser bundles, minified and gzipped, against the 30 KB budget of the
 * default browser client (spec R123, R232), next to MQTT.js's browser bundle. Exits 1 when the budget is missed
 * or a bundle cannot be built for browsers (a Node built-in on the browser path).
 */
import { BROWSER_BUDGET_GZIP_BYTES, kb, measureSizes } from './browser/sizes.js';

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
if (over) {
  console.error(`\nthe browser client is over its ${kb(BROWSER_BUDGET_GZIP_BYTES)} gzip budget`);
  process.exitCode = 1;
}
