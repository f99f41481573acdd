/** The soak's section of bench/RESULTS.md survives a bench run (spec R229). */
import { describe, expect, it } from 'vitest';
import { soakSectionOf } from './format.js';

describe('soakSectionOf (R229)', () => {
  it('takes the soak section from its heading to the end, and nothing when there is none', () => {
    expect(soakSectionOf('# Bench\n\n| a |\n\n## Soak\n\nran 60 min\n')).toBe('\n## Soak\n\nran 60 min\n');
    expect(soakSectionOf('# Bench\n\n## Method\n')).toBe('');
  });
});
