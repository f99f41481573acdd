/**
 * The MQTT 5 parts of the statechart come with the MQTT 5 profile (spec R363-R366): the default
 * browser client's chart step carries the 3.1.1 base chart and its implementations only, and the
 * MQTT 5 extension (chartV5.ts, implementationsV5.ts, v5.ts) with the whole chart arrives with
 * `mqtt-lifeline/browser/mqtt5`.
 */
import { describe, expect, it } from 'vitest';
import { bundle } from '../../scripts/browser/bundle.js';

/**
 * The modules the MQTT 5 profile brings to the chart step (machines/chart.ts's `connectionChart`
 * with them; the default client has only its `MACHINE_VERSION`, for the journal header).
 */
const EXTENSION = [
  'machines/v5.ts',
  'machines/chartV5.ts',
  'machines/implementationsV5.ts',
  'machines/chartMerge.ts',
  'runtime/chartStepV5.ts',
] as const;

/** `entry`'s unminified bundle and its modules (esbuild's `// path` lines). */
async function built(entry: string): Promise<{ code: string; modules: string[] }> {
  const { code } = await bundle({ entry, external: ['rxjs'], minify: false });
  return { code, modules: [...code.matchAll(/^\/\/ (\S+\.ts)$/gm)].map((m) => m[1] as string) };
}

describe('the MQTT 5 part of the statechart is the profile’s (R366)', () => {
  it('R366: the default browser client carries the base chart and none of the MQTT 5 extension; the MQTT 5 client carries both', async () => {
    const [client, withMqtt5] = await Promise.all([
      built('scripts/browser/defaultClient.ts'),
      built('scripts/browser/withMqtt5.ts'),
    ]);
    for (const { modules } of [client, withMqtt5])
      expect(modules).toEqual(expect.arrayContaining(['runtime/chartStep.ts', 'machines/chartBase.ts']));
    expect(EXTENSION.filter((m) => client.modules.includes(m))).toEqual([]);
    expect(EXTENSION.filter((m) => !withMqtt5.modules.includes(m))).toEqual([]);
    // No MQTT 5 transition in the default client's chart: its events are named nowhere in it.
    expect(client.code).not.toMatch(
      /"mqtt5\.(connack|disconnect|auth)"\s*:|reauthenticating|authenticating:/,
    );
    expect(client.code).not.toMatch(/mergeChart|connectionChart/);
    expect(withMqtt5.code).toMatch(/reauthenticating/);
    expect(withMqtt5.code).toMatch(/connectionChart = \/\* @__PURE__ \*\/ mergeChart\(/);
  });
});
