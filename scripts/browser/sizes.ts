/**
 * The browser bundle sizes that `npm run size` reports and the budget test checks (spec R123):
 * each entry bundled with esbuild (`--bundle --platform=browser --format=esm --minify`), then gzip -9,
 * next to MQTT.js's own browser bundle for comparison. KB here are 1000 bytes, as MQTT.js's
 * 342 KB / 105 KB figures are.
 *
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundle, gzipSize, ROOT } from './bundle.js';

/** The budget of the whole browser client, xstate included, rxjs excluded: 30 KB gzipped. */
export const BROWSER_BUDGET_GZIP_BYTES = 30_000;

/**
 * A ceiling the test holds the browser client under while the 30 KB budget is missed (spec R123
 * says by how much and why): about 2 KB above the measured size, so a Node-only module slipping
 * back onto the browser path (the TLS-setting checks, Node's error-code tables: 0.5 KB each) or a
 * codec (mqtt-packet with readable-stream and buffer: about 25 KB) fails it. When the budget is
 * met, the test asserts {@link BROWSER_BUDGET_GZIP_BYTES} instead. Raised from 38 000 for the
 * MQTT 5 plumbing every client carries (the version option and URL query, the wire-profile seam,
 * two error classes, the CONNACK verdicts: 38 872 measured); the MQTT 5 codec itself (about 6 KB)
 * stays out of the browser entry (spec R235) and would fail it.
 */
export const BROWSER_CEILING_GZIP_BYTES = 39_500;

/** One measured bundle. */
export interface SizeRow {
  readonly name: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** The gzip budget, when the row has one. */
  readonly budget?: number;
  /** The largest contributors to the minified bytes. */
  readonly parts: readonly { readonly name: string; readonly bytes: number }[];
}

const ENTRIES = [
  {
    name: 'browser client: browser.ts (MqttClient, WebSocket, journal; xstate in, rxjs out)',
    entry: 'browser.ts',
    external: ['rxjs'],
    budget: BROWSER_BUDGET_GZIP_BYTES,
  },
  { name: 'browser client with rxjs bundled', entry: 'browser.ts', external: [] },
  {
    name: 'machine entry alone (mqtt-lifeline/machine: machine, journal, replay)',
    entry: 'machines/index.ts',
    external: [],
  },
] as const;

/** MQTT.js's browser bundle, shipped minified in its package. */
const MQTTJS_BUNDLE = join(ROOT, 'node_modules', 'mqtt', 'dist', 'mqtt.min.js');

/** Measures every entry that exists, then MQTT.js's bundle. */
export async function measureSizes(): Promise<SizeRow[]> {
  const rows: SizeRow[] = [];
  for (const { name, entry, external, ...rest } of ENTRIES) {
    if (!existsSync(join(ROOT, entry))) continue;
    const built = await bundle({ entry, external });
    rows.push({ name, bytes: built.bytes, gzipBytes: built.gzipBytes, parts: built.parts, ...rest });
  }
  if (existsSync(MQTTJS_BUNDLE)) {
    const bytes = readFileSync(MQTTJS_BUNDLE);
    const version = (
      JSON.parse(readFileSync(join(ROOT, 'node_modules', 'mqtt', 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
    rows.push({
      name: `MQTT.js ${version}: dist/mqtt.min.js (for comparison)`,
      bytes: bytes.byteLength,
      gzipBytes: gzipSize(bytes),
      parts: [],
    });
  }
  return rows;
}

/** Kilobytes (1000 bytes) with one decimal. */
export const kb = (bytes: number): string => `${(bytes / 1000).toFixed(1)} KB`;
