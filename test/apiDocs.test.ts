/**
 * The API reference (spec R99): typedoc builds it from the doc comments of the public entry
 * points with every warning an error, so an exported type that reaches an unexported one, or a
 * broken {@link}, fails the suite. `npm run docs` writes it to docs/api.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('the API reference', () => {
  it('R99: typedoc validates the public API with warnings as errors', async () => {
    const result = await promisify(execFile)(
      process.execPath,
      [join(ROOT, 'node_modules/typedoc/bin/typedoc'), '--emit', 'none', '--treatWarningsAsErrors'],
      { cwd: ROOT },
    ).catch((error: { stdout: string; stderr: string; code: number }) => error);
    expect({ code: 'code' in result ? result.code : 0, out: result.stdout + result.stderr }).toEqual({
      code: 0,
      out: '',
    });
  }, 60_000);
});
