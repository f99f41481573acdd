/**
 * The README's examples compile and their names exist: every name it imports from
 * 'mqtt-lifeline' (or a subpath) is exported by that entry point.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as mongoose from '../adapters/mongoose/index.js';
import * as browser from '../browser.js';
import * as api from '../index.js';
import * as machine from '../machines/index.js';

const ENTRIES: Record<string, object> = {
  'mqtt-lifeline': api,
  'mqtt-lifeline/mongoose': mongoose,
  'mqtt-lifeline/machine': machine,
  'mqtt-lifeline/browser': browser,
};

describe('README', () => {
  it('imports only names that its entry point exports', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const imported = [...readme.matchAll(/import \{([^}]+)\} from '(mqtt-lifeline[^']*)'/g)].flatMap((m) =>
      (m[1] ?? '').split(',').map((name) => [m[2] ?? '', name.trim()] as const),
    );
    expect(imported.length).toBeGreaterThan(3);
    for (const [entry, name] of imported) {
      expect(ENTRIES, entry).toHaveProperty([entry]);
      expect(ENTRIES[entry], `${entry}: ${name}`).toHaveProperty(name);
    }
  });
});
