import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { spliceBetweenMarkers, tablesOf } from './readme.js';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

describe('the README quotes the benchmark (npm run bench:readme)', () => {
  it('finds each table of a report in order', () => {
    expect(tablesOf('# t\n\n| a |\n| - |\n\ntext\n| b |\n')).toEqual(['| a |\n| - |', '| b |']);
  });

  it('replaces only what lies between the markers, and refuses a README without them', () => {
    const readme = read('README.md');
    const spliced = spliceBetweenMarkers(readme, '| x |');
    expect(spliced).toContain('| x |');
    expect(spliced.split('<!-- bench:end -->')[1]).toBe(readme.split('<!-- bench:end -->')[1]);
    expect(() => spliceBetweenMarkers('no markers', '| x |')).toThrow(/markers/);
  });

  it('is not stale: the README has the machine and results tables of bench/RESULTS.md', () => {
    const [machine, results] = tablesOf(read('bench/RESULTS.md'));
    const readme = read('README.md');
    expect(readme).toContain(machine);
    expect(readme).toContain(results);
  });
});
