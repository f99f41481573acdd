import { describe, expect, it } from 'vitest';
import { moduleShares } from '../../scripts/browser/shares.js';
import { DEFAULT_CLIENT_ENTRY, measureSizes } from '../../scripts/browser/sizes.js';

describe("npm run size: each module's gzip share of the default browser client (R188)", () => {
  it('names every module with what leaving it out saves; our own code shows, xstate no longer does (R343), and the shares come near the bundle', async () => {
    const shares = await moduleShares(DEFAULT_CLIENT_ENTRY, ['rxjs']);
    const [client] = await measureSizes();
    const sum = (list: typeof shares) => list.reduce((total, s) => total + s.gzipBytes, 0);
    const xstate = shares.filter((s) => s.module.startsWith('node_modules/xstate/'));
    const own = shares.filter((s) => !s.module.startsWith('node_modules/'));
    expect(own.map((s) => s.module)).toEqual(
      expect.arrayContaining(['runtime/client.ts', 'runtime/chartStep.ts', 'machines/chart.ts']),
    );
    expect(shares.some((s) => s.module.startsWith('protocol/v5/'))).toBe(false);
    // Largest first.
    expect(shares.map((s) => s.gzipBytes)).toEqual([...shares.map((s) => s.gzipBytes)].sort((a, b) => b - a));
    // The chart step runs the statechart without xstate (R343): no xstate module, nor the xstate machine.
    expect(xstate).toEqual([]);
    expect(own.map((s) => s.module)).not.toContain('machines/connection.ts');
    // Marginal shares do not add up exactly (shared text compresses once), but come within 15%.
    const total = client?.gzipBytes ?? 0;
    expect(Math.abs(sum(shares) - total)).toBeLessThan(0.15 * total);
  });
});
