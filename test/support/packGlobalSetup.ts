/**
 * Vitest global setup: one scratch directory per test run, handed to every worker, where
 * test/support/packed.ts packs and installs the package once for all the files that need it
 * (the packaging, runtime and bundler tests). Creating it costs nothing; packing happens only
 * when a test asks. Removed when the run ends; watch mode gets a new one on each rerun.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  interface ProvidedContext {
    /** The run's scratch directory for the packed package (see test/support/packed.ts). */
    packDir: string;
  }
}

/** Creates the run's scratch directory (a new one for each watch-mode rerun) and removes it at the end. */
export default function setup(project: TestProject): () => void {
  const dirs: string[] = [];
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), 'mqtt-lifeline-run-'));
    dirs.push(dir);
    project.provide('packDir', dir);
  };
  fresh();
  // A rerun tests the sources as they are now, so it packs again.
  project.onTestsRerun(fresh);
  return () => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  };
}
