/**
 * The chart step (chartStep.ts) against xstate's `transition()` on a small chart with the shapes
 * the connection chart does not use today but the chart step implements (R343, R344): a parallel
 * state as a transition's domain, a state that targets itself with and without `reenter`, a
 * region's state targeting a state of another region, a transition from outside into a region's
 * inner state, and reentering transitions of the root itself. Every entry and exit is an effect with its own params, so equal action lists mean
 * the same nodes left and entered in the same order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMachine, initialTransition, transition } from 'xstate';
import type { ConnectionEvent, ConnectionInput } from '../machines/events.js';
import { chartStepperFor } from './chartStep.js';
import type { StepAction } from './stepper.js';

let marks = 0;
/** An entry and an exit naming their state: `sendConnect` with a number of their own. */
const marked = <T extends object>(state: T) => ({
  entry: { type: 'sendConnect', params: { server: ++marks } },
  exit: { type: 'sendConnect', params: { server: ++marks } },
  ...state,
});

const chart = {
  id: 'm',
  initial: 'p',
  // Transitions of the root itself, reentering: the root is not their domain.
  on: { rootIn: { target: '#m.p.r2.d', reenter: true }, rootQ: { target: '#m.q', reenter: true } },
  states: {
    p: marked({
      type: 'parallel',
      on: { toP: '#m.p', reP: { target: '#m.p', reenter: true }, toQ: '#m.q' },
      states: {
        r1: marked({
          initial: 'a',
          on: { r1self: '#m.p.r1', r1re: { target: '#m.p.r1', reenter: true } },
          states: {
            a: marked({
              on: {
                self: 'a',
                selfRe: { target: 'a', reenter: true },
                cross: '#m.p.r2.d',
                up: '#m.p',
                next: 'b',
              },
            }),
            b: marked({ on: { next: 'a', cross: '#m.p.r2.c' } }),
          },
        }),
        r2: marked({
          initial: 'c',
          states: {
            c: marked({ on: { next2: 'd' } }),
            d: marked({ on: { next2: 'c', sib: { target: '#m.p.r1.b' } } }),
          },
        }),
      },
    }),
    q: marked({ on: { back: '#m.p.r1.b', back2: '#m.p.r2.d', toQ: { target: 'q', reenter: true } } }),
  },
};

const EVENTS = [
  'self',
  'selfRe',
  'cross',
  'up',
  'next',
  'next2',
  'sib',
  'toP',
  'reP',
  'toQ',
  'r1self',
  'r1re',
  'back',
  'back2',
  'rootIn',
  'rootQ',
] as const;

const machine = createMachine(chart as never);
const stepper = chartStepperFor({ chart, guards: {}, updates: {} });
const input = { servers: [], options: {} } as unknown as ConnectionInput;

const shapeOf = (actions: readonly { type: string; params?: unknown }[]): StepAction[] =>
  actions.map(({ type, params }) => ({ type, params }));

describe('the chart step on shapes the connection chart does not use (R343, R344)', () => {
  it('R344: steps as xstate does, state value and entry/exit order, on every sequence', () => {
    const [xInitial, xActions] = initialTransition(machine, input);
    const [cInitial, cActions] = stepper.initialStep(input);
    expect(cInitial.value).toEqual(xInitial.value);
    expect(shapeOf(cActions)).toEqual(shapeOf(xActions));
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...EVENTS), { maxLength: 30 }), (types) => {
        let x = xInitial;
        let c = cInitial;
        for (const type of types) {
          const event = { type } as unknown as ConnectionEvent;
          const [xNext, xa] = transition(machine, x, event);
          const [cNext, ca] = stepper.pureStep(c, event, input);
          expect(cNext.value, `after ${type}`).toEqual(xNext.value);
          expect(shapeOf(ca), `after ${type}`).toEqual(shapeOf(xa));
          x = xNext;
          c = cNext;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('R344: the shapes are reached: a self-target without reenter runs nothing, with reenter exits and enters, a parallel domain keeps its other region', () => {
    const [initial] = stepper.initialStep(input);
    const step = (from: typeof initial, type: string) =>
      stepper.pureStep(from, { type } as unknown as ConnectionEvent, input);
    expect(step(initial, 'self')[1]).toEqual([]);
    expect(step(initial, 'selfRe')[1]).toHaveLength(2);
    const [crossed, crossActions] = step(initial, 'cross');
    expect(crossed.value).toEqual({ p: { r1: 'a', r2: 'd' } });
    expect(crossActions.length).toBeGreaterThan(0);
    expect(step(initial, 'reP')[1].length).toBeGreaterThan(step(initial, 'toP')[1].length);
  });
});
