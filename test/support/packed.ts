/**
 * The package as a user gets it, made once per test run: `npm pack` (which builds through
 * `prepack`) and the tarball installed into a fresh project. Test files run in separate workers,
 * so the first to ask takes a lock directory and packs; the others wait for its result file.
 * Packing twice would also race on `dist/`, which `prepack` deletes and rebuilds.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { inject } from 'vitest';

const run = promisify(execFile);
/** The repository root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** How long a waiting worker gives the packing one (build, pack, install) before failing. */
const PACK_TIMEOUT_MS = 150_000;
/** How often a waiting worker looks for the result file. */
const POLL_MS = 100;

/** What was packed and where it is installed. */
export interface PackedPackage {
  /** The tarball's path. */
  readonly tarball: string;
  /** The paths inside the tarball (`package/` prefix removed), from `npm pack --json`. */
  readonly files: ReadonlySet<string>;
  /** A fresh project (its own package.json) with the tarball installed; tests may add files. */
  readonly app: string;
  /** `app/node_modules/mqtt-lifeline`. */
  readonly installed: string;
}

/** Runs a command; resolves with its output, rejects with the output in the message. */
export async function sh(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(command, [...args], {
      cwd,
      env: { ...process.env, NODE_DEBUG: '', ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${command} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`,
    );
  }
}

type Outcome = { ok: true; tarball: string; files: string[] } | { ok: false; error: string };

async function packAndInstall(work: string): Promise<Outcome> {
  try {
    // prepack builds (its output comes first on stdout), so a clean clone yields a working tarball.
    const packed = await sh('npm', ['pack', '--json', '--pack-destination', work], ROOT);
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.lastIndexOf('[\n  {'))) as {
      filename: string;
      files: { path: string }[];
    }[];
    if (info === undefined) throw new Error(`npm pack printed no file list:\n${packed.stdout}`);
    const app = join(work, 'app');
    mkdirSync(app, { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
    // The dependencies come from npm's cache when it has them.
    const tarball = join(work, info.filename);
    await sh('npm', ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline'], app);
    return { ok: true, tarball, files: info.files.map((f) => f.path) };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

let mine: Promise<PackedPackage> | undefined;

/** The run's packed and installed package; the first call in the whole run does the work. */
export function packedPackage(): Promise<PackedPackage> {
  mine ??= (async () => {
    const work = inject('packDir');
    if (typeof work !== 'string') {
      throw new Error('no packDir: run vitest with vitest.config.ts (its globalSetup provides it)');
    }
    const result = join(work, 'packed.json');
    let outcome: Outcome;
    try {
      // mkdir is atomic: exactly one worker of the run gets to pack.
      mkdirSync(join(work, 'lock'));
      outcome = await packAndInstall(work);
      // Written aside, then renamed: a waiter never reads half a file.
      writeFileSync(`${result}.tmp`, JSON.stringify(outcome));
      renameSync(`${result}.tmp`, result);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const deadline = Date.now() + PACK_TIMEOUT_MS;
      while (!existsSync(result)) {
        if (Date.now() > deadline) throw new Error(`no packed package after ${PACK_TIMEOUT_MS} ms`);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      outcome = JSON.parse(readFileSync(result, 'utf8')) as Outcome;
    }
    if (!outcome.ok) throw new Error(`packing failed (once for the whole run): ${outcome.error}`);
    const app = join(work, 'app');
    return {
      tarball: outcome.tarball,
      files: new Set(outcome.files),
      app,
      installed: join(app, 'node_modules', 'mqtt-lifeline'),
    };
  })();
  return mine;
}
