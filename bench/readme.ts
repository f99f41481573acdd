/**
 * `npm run bench:readme`: copies the machine and results tables of `bench/RESULTS.md` (written by
 * `npm run bench`) into README.md between its `bench:start` / `bench:end` markers, so the README
 * always quotes one whole run, never figures edited by hand.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const START = '<!-- bench:start (npm run bench:readme copies bench/RESULTS.md here) -->';
const END = '<!-- bench:end -->';

/** The Markdown tables of a report: runs of lines that start with `|`, in order. */
export function tablesOf(markdown: string): string[] {
  const tables: string[] = [];
  let current: string[] = [];
  for (const line of markdown.split('\n')) {
    if (line.startsWith('|')) current.push(line);
    else if (current.length > 0) {
      tables.push(current.join('\n'));
      current = [];
    }
  }
  if (current.length > 0) tables.push(current.join('\n'));
  return tables;
}

/** README with the text between the markers replaced by `body`. */
export function spliceBetweenMarkers(readme: string, body: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md needs the markers ${START} and ${END}`);
  return `${readme.slice(0, start + START.length)}\n\n${body}\n\n${readme.slice(end)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [machine, results] = tablesOf(readFileSync(join(ROOT, 'bench/RESULTS.md'), 'utf8'));
  if (machine === undefined || results === undefined)
    throw new Error('bench/RESULTS.md has no machine and results tables: run `npm run bench` first');
  const readmePath = join(ROOT, 'README.md');
  writeFileSync(
    readmePath,
    spliceBetweenMarkers(readFileSync(readmePath, 'utf8'), `${machine}\n\n${results}`),
  );
}
