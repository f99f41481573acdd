/**
 * The JavaScript runtimes the packed package is tested under (spec R180): Node (this process's),
 * and Bun and Deno from their npm binaries (devDependencies `bun` and `deno`, whose optional
 * per-platform packages npm installs for the machine it runs on), which download nothing of
 * their own. Their install scripts are not needed (npm 11 may not run them): the binary is used
 * where it is.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isExecutable } from './brokers.js';
import { ROOT } from './packed.js';

/** A runtime: how to run a plain `.mjs` file with it, resolving packages through `node_modules`. */
export interface Runtime {
  readonly name: 'node' | 'bun' | 'deno';
  /** The executable. */
  readonly path: string;
  /** Arguments placed before the script (and its own arguments). */
  readonly prefix: readonly string[];
  /** Environment added for it. */
  readonly env: Readonly<Record<string, string>>;
}

const exe = process.platform === 'win32' ? '.exe' : '';
/** The platform package names' spelling of this machine: bun says aarch64/windows, deno arm64/win32. */
const bunPlatform = `${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch === 'arm64' ? 'aarch64' : process.arch}`;
const denoPlatform = `${process.platform}-${process.arch}${process.platform === 'linux' ? '-glibc' : ''}`;

/**
 * Where npm installs each binary (the platform packages' own layout, checked by their `bin` field).
 * Bun's postinstall, when npm runs it, moves its binary into the `bun` package as `bin/bun.exe`
 * (on every platform); without it the binary stays in the platform package.
 */
export const BUN_PATH =
  [
    join(ROOT, 'node_modules', '@oven', `bun-${bunPlatform}`, 'bin', `bun${exe}`),
    join(ROOT, 'node_modules', 'bun', 'bin', 'bun.exe'),
  ].find((path) => existsSync(path)) ??
  join(ROOT, 'node_modules', '@oven', `bun-${bunPlatform}`, 'bin', `bun${exe}`);
export const DENO_PATH = join(ROOT, 'node_modules', '@deno', denoPlatform, `deno${exe}`);

/** Node, Bun and Deno, each told to use the installed `node_modules` and fetch nothing. */
export const RUNTIMES: readonly Runtime[] = [
  { name: 'node', path: process.execPath, prefix: [], env: {} },
  // Bun would auto-install missing packages; the installed ones are what is under test.
  { name: 'bun', path: BUN_PATH, prefix: ['--no-install'], env: {} },
  {
    name: 'deno',
    path: DENO_PATH,
    // manual: use node_modules as npm laid it out; no lock file, nothing from the network.
    prefix: ['run', '-A', '--node-modules-dir=manual', '--no-lock', '--cached-only'],
    env: { DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
  },
];

/**
 * Whether `runtime` can run here: `true` when its binary is installed, `false` locally when it is
 * not (a platform neither publishes a binary for, or musl: its tests skip), and a thrown error in CI, where a
 * missing runtime is a failure, never a skip.
 */
export function requireRuntime(runtime: Runtime): boolean {
  if (isExecutable(runtime.path)) return true;
  if (process.env.CI) {
    throw new Error(`${runtime.name} is required in CI but ${runtime.path} is missing; run \`npm ci\``);
  }
  return false;
}
