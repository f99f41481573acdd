/**
 * The README's examples compile and their names exist: every name it imports from
 * 'mqtt-lifeline' is exported by index.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as browserApi from '../browser.js';
import * as api from '../index.js';

describe('README', () => {
  it('imports only names that index.ts exports', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const imported = [...readme.matchAll(/import \{([^}]+)\} from 'mqtt-lifeline'/g)].flatMap((m) =>
      (m[1] ?? '').split(',').map((name) => name.trim()),
    );
    expect(imported.length).toBeGreaterThan(3);
    for (const name of imported) expect(api, name).toHaveProperty(name);
  });

  it("imports from 'mqtt-lifeline/browser' only names that browser.ts exports", () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const imported = [...readme.matchAll(/import \{([^}]+)\} from 'mqtt-lifeline\/browser'/g)].flatMap((m) =>
      (m[1] ?? '').split(',').map((name) => name.trim()),
    );
    expect(imported).toContain('MqttClient');
    for (const name of imported) expect(browserApi, name).toHaveProperty(name);
  });
});
