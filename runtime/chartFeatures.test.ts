/**
 * The chart step's feature check (R347): the connection chart uses only what the chart step
 * supports, and each feature it does not support is reported, so a machine change that needs
 * more fails here (and in properties/chartStep.prop.test.ts) rather than stepping differently.
 */
import { describe, expect, it } from 'vitest';
import { connectionChart } from '../machines/chart.js';
import { assertChartFeatures, unsupportedChartFeatures } from './chartFeatures.js';

/** A small chart in the supported subset, to break one feature at a time. */
const base = () => ({
  id: 'm',
  initial: 'a',
  states: {
    a: {
      entry: ['countAttempt', { type: 'emitDisconnected', params: { byUser: true } }],
      on: { 'client.connect': { target: 'b', guard: 'accepted', actions: 'restart' } },
      after: { retryDelay: '#m.b' },
    },
    b: {
      type: 'parallel',
      states: {
        r: { initial: 'x', states: { x: { always: [{ guard: 'busy', target: 'y' }, 'y'] }, y: {} } },
      },
    },
  },
});

type Chart = ReturnType<typeof base> & Record<string, unknown>;
const withState = (state: object): Chart => {
  const chart = base() as Chart;
  (chart.states as Record<string, unknown>).z = state;
  return chart;
};

describe('the chart step feature check (R347)', () => {
  it('R347: the connection chart uses only features the chart step supports', () => {
    expect(unsupportedChartFeatures(connectionChart)).toEqual([]);
    expect(() => assertChartFeatures(connectionChart)).not.toThrow();
    expect(unsupportedChartFeatures(base())).toEqual([]);
  });

  it.each([
    ['a history state', withState({ type: 'history' }), "type 'history' is not supported"],
    ['a final state', withState({ type: 'final' }), "type 'final' is not supported"],
    ['an invoked actor', withState({ invoke: { src: 'x' } }), "'invoke' is not supported"],
    ['an id of its own', withState({ id: 'own' }), "'id' is not supported"],
    ['a compound state without initial', withState({ states: { p: {} } }), "needs 'initial'"],
    ['a wildcard event', withState({ on: { 'transport.*': 'a' } }), 'wildcards'],
    ['an inline action', withState({ entry: () => {} }), '(inline) is not a known name'],
    ['an unknown action', withState({ exit: 'launchRocket' }), "'launchRocket' is not a known name"],
    [
      'an unknown guard',
      withState({ on: { x: { guard: 'never', target: 'a' } } }),
      'guard must be a known name',
    ],
    [
      'an inline guard',
      withState({ on: { x: { guard: () => true, target: 'a' } } }),
      'guard must be a known name',
    ],
    ['a numeric delay', withState({ after: { 1000: 'a' } }), "delay '1000' is not a known name"],
    ['a targetless eventless transition', withState({ always: { actions: 'restart' } }), 'needs a target'],
    ['a missing target', withState({ on: { x: 'nowhere' } }), 'no target nowhere'],
    [
      'a transition key it ignores',
      withState({ on: { x: { target: 'a', description: 'd' } } }),
      "'description'",
    ],
  ])('R347: reports %s', (_, chart, problem) => {
    const problems = unsupportedChartFeatures(chart);
    expect(problems.join('\n')).toContain(problem);
    expect(() => assertChartFeatures(chart)).toThrow(/the chart step cannot run this statechart/);
  });
});
