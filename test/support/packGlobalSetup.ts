/**
 * Vitest global setup: one scratch directory per test run, handed to every worker, where
 * test/support/packed.ts packs and installs the package once for all the files that need it
 * (the packaging, runtime and bundler tests). Creating it costs nothing; packing happens only
 * when a test asks. Removed when the run ends.
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

/** Creates the run's scratch directory and returns its removal as the teardown. */
export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'mqtt-lifeline-run-'));
  project.provide('packDir', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
