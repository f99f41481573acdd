/**
 * The chart step's node tree (chartNodes.ts): targets resolve as xstate resolves them (`#id`, or a
 * sibling path from the source's parent) and an unknown one throws, naming it and its source; a
 * delay becomes an `xstate.raise` on entry and an `xstate.cancel` on exit (R343).
 */
import { describe, expect, it } from 'vitest';
import { buildTree, type ChartNode } from './chartNodes.js';
import { chartStepperFor } from './chartStep.js';

const chart = (target: string) => ({
  id: 'm',
  initial: 'a',
  states: {
    a: { initial: 'x', states: { x: { on: { go: target } }, y: {} } },
    b: { after: { retryDelay: 'a' } },
  },
});

const child = (node: ChartNode, key: string): ChartNode =>
  node.children.find((c) => c.key === key) as ChartNode;

describe('the chart step node tree (R343)', () => {
  it('R343: resolves a sibling path, a dotted path and an #id, and throws on an unknown target naming it and its source', () => {
    for (const [target, id] of [
      ['y', 'm.a.y'],
      ['#m.b', 'm.b'],
      ['#m.a.x', 'm.a.x'],
    ] as const) {
      const root = buildTree(chart(target));
      const x = child(child(root, 'a'), 'x');
      expect(x.on.get('go')?.[0]?.target?.id).toBe(id);
    }
    expect(
      buildTree({
        ...chart('y'),
        states: { ...chart('y').states, c: { on: { go: 'a.y' } } },
      }).children[2]?.on.get('go')?.[0]?.target?.id,
    ).toBe('m.a.y');
    expect(() => buildTree(chart('z'))).toThrow('chart: no state z from #m.a.x');
    expect(() => buildTree(chart('#m.z'))).toThrow('chart: no state #m.z from #m.a.x');
  });

  it("R343: a delay raises its event on entry with the delay's ms and cancels it on exit; its transitions answer the event", () => {
    const b = child(buildTree(chart('y')), 'b');
    const [raise] = b.entry as { type: string; params: (a: object) => unknown }[];
    expect(raise?.type).toBe('xstate.raise');
    const id = 'xstate.after.retryDelay.m.b';
    expect(raise?.params({ context: { delayMs: 250 } })).toEqual({ event: { type: id }, id, delay: 250 });
    expect(b.exit).toEqual([{ type: 'xstate.cancel', params: { sendId: id } }]);
    expect(b.on.get(id)?.[0]?.target?.id).toBe('m.a');
  });

  it('R343: an action that is no update, emitted event or effect throws when it runs; an effect is collected with its params', () => {
    const stepper = (entry: unknown) =>
      chartStepperFor({
        chart: { id: 'm', initial: 'a', states: { a: { entry } } },
        guards: {},
        updates: {},
      });
    const input = { servers: [], options: {} } as never;
    expect(() => stepper('nope').initialStep(input)).toThrow('chart: unknown action nope');
    expect(() => stepper('xstate.stop').initialStep(input)).toThrow('chart: unknown action xstate.stop');
    const [, actions] = stepper({ type: 'sendConnect', params: { server: 2 } }).initialStep(input);
    expect(actions).toEqual([{ type: 'sendConnect', params: { server: 2 } }]);
  });
});
