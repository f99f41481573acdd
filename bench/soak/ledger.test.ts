/** The soak's ledger counts what was lost and duplicated per direction and QoS (spec R227). */
import { describe, expect, it } from 'vitest';
import { Ledger } from './ledger.js';

describe('Ledger (R227)', () => {
  it('counts accepted, delivered, lost and duplicates, and what QoS >= 1 still misses', () => {
    const ledger = new Ledger();
    for (const p of ['1.0', '1.1', '2.0']) ledger.accepted('soak/a/2', p);
    ledger.accepted('soak/b/0', 'b.0');
    ledger.arrived('soak/a/2', '1.0');
    ledger.arrived('soak/a/2', '1.0');
    ledger.arrived('soak/a/2', '2.0');
    expect(ledger.missing()).toBe(1);
    expect(ledger.flows()).toEqual([
      { qos: 2, direction: 'a->b', accepted: 3, delivered: 2, lost: 1, duplicates: 1, lostExamples: ['1.1'] },
      { qos: 0, direction: 'b->a', accepted: 1, delivered: 0, lost: 1, duplicates: 0, lostExamples: ['b.0'] },
    ]);
  });
});
