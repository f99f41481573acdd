/** A description of where the benchmark ran, for the report. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import { mosquittoVersion } from './broker.js';

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly mosquitto: string;
  readonly mqttjs: string;
  /** The git commit of mqtt-lifeline, with `+dirty` when the tree has local changes. */
  readonly lifeline: string;
  readonly date: string;
}

function packageVersion(path: string): string {
  return (JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { version: string }).version;
}

function gitRevision(): string {
  try {
    const run = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', stdio: 'pipe' }).trim();
    return `${run('rev-parse', '--short', 'HEAD')}${run('status', '--porcelain') === '' ? '' : '+dirty'}`;
  } catch {
    return 'unknown';
  }
}

export function describeMachine(): Machine {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    mosquitto: mosquittoVersion(),
    mqttjs: packageVersion('../node_modules/mqtt/package.json'),
    lifeline: `${packageVersion('../package.json')} (${gitRevision()})`,
    date: new Date().toISOString(),
  };
}
