/**
 * Canary for an xstate upgrade (spec R49): what the step driver relies on in xstate's internals,
 * each checked on its own with a message that says what changed and where to look. If one fails,
 * fix runtime/xstateStep.ts (the only file that relies on these) before shipping the upgrade;
 * `driver: 'actor'` needs none of it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AnyEventObject } from 'xstate';
import type { ConnectionInput } from '../machines/events.js';
import { EFFECTS } from './drivers.js';
import { type ConnectionSnapshot, initialStep, pureStep, type StepAction } from './xstateStep.js';

const XSTATE = (
  JSON.parse(readFileSync(new URL('../node_modules/xstate/package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

/** Fails loudly: which reliance broke, and what to check. */
function relies(holds: boolean, what: string, check: string): void {
  if (holds) return;
  throw new Error(
    `The step driver relies on xstate internals that changed in xstate ${XSTATE}: ${what}.\n` +
      `Check ${check} in runtime/xstateStep.ts against xstate's source, or run clients with driver: 'actor' meanwhile.`,
  );
}

const input: ConnectionInput = {
  servers: [{ name: 'mqtt', enabled: true, minMs: 1000, maxMs: 4000 }],
  options: {
    reset: 'stable',
    stableConnectionMs: 30_000,
    connectTimeoutMs: 30_000,
    keepAliveMs: 60_000,
    pingTimeoutMs: 30_000,
    jitter: 0,
  },
};

/** Steps through `events` from the initial snapshot; returns every step's snapshot and actions. */
function run(events: AnyEventObject[]): {
  snapshots: ConnectionSnapshot[];
  actions: (readonly StepAction[])[];
} {
  const [first, firstActions] = initialStep(input);
  const snapshots = [first];
  const actions = [firstActions];
  for (const event of events) {
    const [next, stepActions] = pureStep(snapshots.at(-1) as ConnectionSnapshot, event, input);
    snapshots.push(next);
    actions.push(stepActions);
  }
  return { snapshots, actions };
}

const connectThenFail = [
  { type: 'client.connect' },
  { type: 'transport.error', error: { code: 'TRANSPORT_ERROR', message: 'refused' } },
  { type: 'random.drawn', value: 0.5 },
];

describe(`the step driver's reliance on xstate internals (R49, xstate ${XSTATE})`, () => {
  it('transition() with a hand-built scope moves the machine and hands actions to its actionExecutor', () => {
    const { snapshots, actions } = run(connectThenFail);
    relies(
      JSON.stringify(snapshots.map((s) => s.value)) ===
        JSON.stringify([
          'idle',
          { online: { connecting: 'opening' } },
          { backoff: 'drawing' },
          { backoff: 'waiting' },
        ]),
      `transition(snapshot, event, scope) no longer moves the machine as the actor does (got ${JSON.stringify(snapshots.map((s) => s.value))})`,
      'scope() (the fields of the actor scope that transition() reads)',
    );
    relies(
      actions[1]?.some((a) => a.type === 'openTransport') === true,
      'custom actions are no longer handed to scope.actionExecutor during transition()',
      'scope().actionExecutor and pureStep()',
    );
  });

  it('actions keep the shapes the step driver reads', () => {
    const { actions } = run(connectThenFail);
    const all = actions.flat();
    const find = (type: string) =>
      all.find((a) => a.type === type)?.params as Record<string, unknown> | undefined;
    const raise = find('xstate.raise');
    relies(
      raise !== undefined &&
        typeof raise.delay === 'number' &&
        typeof raise.id === 'string' &&
        typeof raise.event === 'object',
      `a delayed raise is no longer an 'xstate.raise' action with params { event, id, delay } (got ${JSON.stringify(raise)})`,
      "StepDriver's 'xstate.raise' case (stepDriver.ts) and the action shapes listed in xstateStep.ts",
    );
    const cancel = find('xstate.cancel');
    relies(
      cancel !== undefined && cancel.sendId === raise?.id,
      `cancelling a delayed raise is no longer an 'xstate.cancel' action with params { sendId } (got ${JSON.stringify(cancel)})`,
      "StepDriver's 'xstate.cancel' case (stepDriver.ts)",
    );
    const emitted = find('xstate.emit');
    relies(
      typeof (emitted?.event as { type?: unknown } | undefined)?.type === 'string',
      `emit() is no longer an 'xstate.emit' action with params { event } (got ${JSON.stringify(emitted)})`,
      "StepDriver's 'xstate.emit' case (stepDriver.ts)",
    );
    const open = all.find((a) => a.type === 'openTransport');
    relies(
      (open?.params as { server?: unknown } | undefined)?.server === 0,
      `a custom action's resolved params are no longer on action.params (got ${JSON.stringify(open)})`,
      'effectOf() callers and EFFECTS (drivers.ts)',
    );
    const effects = new Set(Object.keys(EFFECTS));
    const unknown = all
      .filter((a) => !a.type.startsWith('xstate.') && !effects.has(a.type))
      .map((a) => a.type);
    relies(
      unknown.length === 0,
      `the step collects actions that are neither built-in nor in EFFECTS: ${unknown.join(', ')} (assign() used to be applied inside transition())`,
      "pureStep() and StepDriver's default case",
    );
  });

  it('snapshots are never changed in place, and have the parts the step driver shares', () => {
    const [first] = initialStep(input);
    const before = { value: first.value, nodes: first._nodes, context: first.context };
    const [next] = pureStep(first, { type: 'client.connect' }, input);
    relies(
      first.value === before.value && first._nodes === before.nodes && first.context === before.context,
      'transition() changed the previous snapshot in place',
      'shareParts() (sharing parts between snapshots assumes xstate copies before it changes one)',
    );
    relies(
      Array.isArray(next._nodes) &&
        next.tags instanceof Set &&
        typeof next.children === 'object' &&
        typeof next.historyValue === 'object',
      'a snapshot no longer has _nodes (array), tags (Set), children and historyValue (objects)',
      'shareParts()',
    );
  });

  it('is the only runtime file that reaches into xstate internals', () => {
    const files = [
      'drivers.ts',
      'stepDriver.ts',
      'stepDriverCore.ts',
      'chartStepDriver.ts',
      'connection.ts',
      'lifecycleClient.ts',
      'client.ts',
    ];
    for (const file of files) {
      const source = readFileSync(new URL(file, import.meta.url), 'utf8');
      expect(source, file).not.toMatch(/_nodes|actionExecutor|\.transition\(|getInitialSnapshot/);
    }
  });
});
