/**
 * The browser figure as a user's app gets it (spec R187): `MqttClient` from the packed package's
 * `mqtt-lifeline/browser`, bundled by esbuild for browsers, minified and gzipped, is what the
 * source measurement of `npm run size` says (within 2%), within the same 30 KB budget, and it takes
 * neither the MQTT 5 profile nor the embedded logic, which the subpaths bring when imported.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundle } from '../../scripts/browser/bundle.js';
import { BROWSER_BUDGET_GZIP_BYTES, measureSizes } from '../../scripts/browser/sizes.js';
import { type PackedPackage, packedPackage } from '../support/packed.js';

const APPS = {
  'size-default.mjs': `export { MqttClient } from 'mqtt-lifeline/browser';\n`,
  'size-mqtt5.mjs': `export { MqttClient } from 'mqtt-lifeline/browser';\nexport { mqtt5 } from 'mqtt-lifeline/browser/mqtt5';\n`,
  'size-embedded.mjs': `export { mqttClientLogic } from 'mqtt-lifeline/browser/embedded';\n`,
};

describe('the browser figure from the packed package (R187)', () => {
  let pkg: PackedPackage;

  beforeAll(async () => {
    pkg = await packedPackage();
    for (const [name, text] of Object.entries(APPS)) writeFileSync(join(pkg.app, name), text);
  }, 180_000);

  it("R187, R370: { MqttClient } from the packed 'mqtt-lifeline/browser' is the size npm run size reports, within the 30 KB budget; the subpaths add to it only when imported", async () => {
    const sizes = await measureSizes();
    const source = (prefix: string) => sizes.find((row) => row.name.startsWith(prefix))?.gzipBytes ?? 0;
    const packed = async (entry: string) =>
      (await bundle({ entry, root: pkg.app, external: ['rxjs'] })).gzipBytes;
    const client = await packed('size-default.mjs');
    expect(client).toBeLessThanOrEqual(BROWSER_BUDGET_GZIP_BYTES);
    expect(Math.abs(client - source('default browser client:'))).toBeLessThan(0.02 * client);
    const mqtt5 = await packed('size-mqtt5.mjs');
    expect(mqtt5 - client).toBeGreaterThan(3_000);
    expect(Math.abs(mqtt5 - source('browser client + MQTT 5'))).toBeLessThan(0.02 * mqtt5);
    const embedded = await packed('size-embedded.mjs');
    expect(embedded).toBeGreaterThan(client);
    expect(Math.abs(embedded - source('embedded browser client'))).toBeLessThan(0.02 * embedded);
  });
});
