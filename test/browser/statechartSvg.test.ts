import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AnyStateNode } from 'xstate';
import { connectionMachine } from '../../machines/connection.js';
import { STATECHART_SVG } from '../../scripts/browser/demoServer.js';
import { activePaths, describeValue, dotNames } from '../../scripts/browser/stateNames.js';

function allStates(node: AnyStateNode): AnyStateNode[] {
  return Object.values(node.states).flatMap((child) => [child, ...allStates(child)]);
}

describe('the statechart the demo page lights (spec R124)', () => {
  it('docs/statechart.svg has a group for every state of the machine, so none can go unlit', () => {
    const svg = readFileSync(STATECHART_SVG, 'utf8');
    const titles = new Set([...svg.matchAll(/<title>([^<]*)<\/title>/g)].map((match) => match[1]));
    const states = allStates(connectionMachine.root);
    expect(states.length).toBeGreaterThan(15);
    const missing = states.filter((state) => !dotNames(state.path).some((name) => titles.has(name)));
    // A state added to the machine without `npm run diagram` shows up here.
    expect(missing.map((state) => state.id)).toEqual([]);
  });

  it('lights every active state of a value, parents first', () => {
    const value = { online: { connected: { keepalive: 'waiting', stability: 'stable', delivery: 'ready' } } };
    expect(activePaths(value).map((path) => path.join('.'))).toEqual([
      'online',
      'online.connected',
      'online.connected.keepalive',
      'online.connected.keepalive.waiting',
      'online.connected.stability',
      'online.connected.stability.stable',
      'online.connected.delivery',
      'online.connected.delivery.ready',
    ]);
    expect(activePaths('idle')).toEqual([['idle']]);
    expect(describeValue({ backoff: 'waiting' })).toBe('backoff.waiting');
  });
});
