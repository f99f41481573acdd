/**
 * The chart as a 3.1.1 base and an MQTT 5 extension (spec R363): `mergeChart` merges objects key by
 * key and lets the extension's other values replace the base's, changing neither argument; and the
 * merged chart is the version 4 chart, frozen in chart.v4.json (key order included: it decides
 * xstate's document order, the diagram and the state values), with the machine made of it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectionChart, MACHINE_VERSION } from './chart.js';
import { baseChart } from './chartBase.js';
import { mergeChart } from './chartMerge.js';
import { mqtt5Chart } from './chartV5.js';
import { connectionMachine } from './connection.js';

/** A chart as JSON text, functions (params, context) marked, keys in their order. */
const text = (chart: object): string =>
  JSON.stringify(chart, (_key, value: unknown) => (typeof value === 'function' ? '[function]' : value), 2);

/** The names of the states under a config, as dotted paths. */
const statePaths = (config: { readonly states?: object }, path = ''): string[] =>
  Object.entries(config.states ?? {}).flatMap(([key, child]) => [
    `${path}${key}`,
    ...statePaths(child as { readonly states?: object }, `${path}${key}.`),
  ]);

describe('mergeChart (R363)', () => {
  it('R363: merges objects key by key, base keys first; the extension replaces lists and names; shares what one side has', () => {
    const list = ['x'];
    const base = { a: { b: 1, c: { d: 'd' } }, e: ['base'], f: list } as const;
    const extension = { a: { c: { g: 'g' }, h: 2 }, e: ['ext'], i: 'i' } as const;
    const before = JSON.stringify([base, extension]);
    const merged = mergeChart(base, extension);
    expect(JSON.stringify(merged)).toBe(
      JSON.stringify({ a: { b: 1, c: { d: 'd', g: 'g' }, h: 2 }, e: ['ext'], f: ['x'], i: 'i' }),
    );
    expect(merged.f).toBe(list);
    expect(JSON.stringify([base, extension])).toBe(before);
    expect(mergeChart(base, {})).toEqual(base);
  });

  it('R363: the base merged with the MQTT 5 extension is the version 4 chart, key order and params functions included', () => {
    expect(MACHINE_VERSION).toBe(4);
    const frozen = readFileSync(join(import.meta.dirname, 'chart.v4.json'), 'utf8');
    expect(text(connectionChart)).toBe(JSON.stringify(JSON.parse(frozen), null, 2));
    expect(text(mergeChart(baseChart, mqtt5Chart))).toBe(text(connectionChart));
    expect(connectionMachine.config).toEqual(connectionChart);
  });

  it('R363: the base has every state but the two only MQTT 5 events reach, and no MQTT 5 event', () => {
    const whole = statePaths(connectionChart);
    const base = statePaths(baseChart);
    expect(whole.filter((p) => !base.includes(p))).toEqual([
      'online.connecting.authenticating',
      'online.connected.auth.reauthenticating',
    ]);
    // The base's connected `auth` region keeps its `idle` state: a 3.1.1 session's value is unchanged.
    expect(base).toContain('online.connected.auth.idle');
    // No MQTT 5 event in the base.
    expect(text(baseChart)).not.toMatch(/"mqtt5\.|client\.reauthenticate/);
  });
});
