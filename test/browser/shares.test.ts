import { describe, expect, it } from 'vitest';
import { moduleShares } from '../../scripts/browser/shares.js';
import { DEFAULT_CLIENT_ENTRY, measureSizes } from '../../scripts/browser/sizes.js';

describe("npm run size: each module's gzip share of the default browser client (R188)", () => {
  it('names every module with what leaving it out saves; xstate and our own code both show, and the shares come near the bundle', async () => {
    const shares = await moduleShares(DEFAULT_CLIENT_ENTRY, ['rxjs']);
    const [client] = await measureSizes();
    const sum = (list: typeof shares) => list.reduce((total, s) => total + s.gzipBytes, 0);
    const xstate = shares.filter((s) => s.module.startsWith('node_modules/xstate/'));
    const own = shares.filter((s) => !s.module.startsWith('node_modules/'));
    expect(own.map((s) => s.module)).toEqual(
      expect.arrayContaining(['runtime/client.ts', 'machines/connection.ts']),
    );
    expect(shares.some((s) => s.module.startsWith('protocol/v5/'))).toBe(false);
    // Largest first.
    expect(shares.map((s) => s.gzipBytes)).toEqual([...shares.map((s) => s.gzipBytes)].sort((a, b) => b - a));
    expect(sum(xstate)).toBeGreaterThan(8_000);
    // Marginal shares do not add up exactly (shared text compresses once), but come within 15%.
    const total = client?.gzipBytes ?? 0;
    expect(Math.abs(sum(shares) - total)).toBeLessThan(0.15 * total);
  });
});
