/**
 * The browser bundle sizes that `npm run size` reports and the budget test checks (spec R123,
 * R232): each entry bundled with esbuild (`--bundle --platform=browser --format=esm --minify`),
 * then gzip -9, next to MQTT.js's own browser bundle for comparison. KB here are 1000 bytes, as
 * MQTT.js's 342 KB / 105 KB figures are.
 *
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundle, gzipSize, ROOT } from './bundle.js';

/**
 * The budget of the default browser client, rxjs excluded (and since R343 without xstate): 30 KB
 * gzipped, which the test holds it to, from source and from the packed package (R123, R187). It
 * was missed, held under a ceiling, from the first browser build to R370; spec R123 records the
 * history.
 */
export const BROWSER_BUDGET_GZIP_BYTES = 30_000;

/**
 * The ceiling of the whole browser entry (every export, the opt-in parts of R230-R231 included;
 * the subpaths of R185-R186 are not exports of it, nor is SCRAM, which browser/mqtt5 exports), about
 * 0.5 KB above its measured size (47,305 with the enhanced-authentication states, the MQTT 5
 * message hooks and the option-key tables). Raised to 49,900 with the chart step (R343): the whole
 * entry exports `createActorDriver`, so it carries xstate and the chart step both (49,404 measured).
 * Lowered to 46,800 when the default client met its budget (R370: 46,288 measured).
 */
export const BROWSER_ENTRY_CEILING_GZIP_BYTES = 46_800;

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

/** The default browser client's entry: `MqttClient` alone from the browser entry (R123). */
export const DEFAULT_CLIENT_ENTRY = 'scripts/browser/defaultClient.ts';

const ENTRIES = [
  {
    name: "default browser client: { MqttClient } from 'mqtt-lifeline/browser' (no xstate, rxjs out)",
    entry: DEFAULT_CLIENT_ENTRY,
    external: ['rxjs'],
    budget: BROWSER_BUDGET_GZIP_BYTES,
  },
  {
    name: 'whole browser entry: every export of browser.ts (xstate in, rxjs out)',
    entry: 'browser.ts',
    external: ['rxjs'],
  },
  {
    name: 'default browser client with rxjs bundled',
    entry: 'scripts/browser/defaultClient.ts',
    external: [],
  },
  {
    name: 'browser client + IndexedDB store (mqtt-lifeline/browser/indexeddb; rxjs out)',
    entry: 'scripts/browser/withIndexedDb.ts',
    external: ['rxjs'],
  },
  {
    name: 'browser client + MQTT 5 (mqtt-lifeline/browser/mqtt5; rxjs out)',
    entry: 'scripts/browser/withMqtt5.ts',
    external: ['rxjs'],
  },
  {
    name: 'embedded browser client (mqtt-lifeline/browser/embedded; rxjs out)',
    entry: 'scripts/browser/withEmbedded.ts',
    external: ['rxjs'],
  },
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
