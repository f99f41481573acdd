/**
 * A bounded exhaustive walk of the statechart (spec R1, R3, R27, R45): `getShortestPaths` from
 * xstate/graph reaches every abstract state; each path is then replayed through the live harness
 * (both drivers, fake transport), and the invariants are checked in every state on the way.
 *
 * Timer events (`xstate.after.*`) are delivered as events, exactly as the graph took them: the walk
 * also covers timer orders a real clock would only produce with other timings, which is the point.
 */

import { describe, expect, it } from 'vitest';
import {
  __unsafe_getAllOwnEventDescriptors,
  type AnyEventObject,
  type EventObject,
  initialTransition,
  transition,
} from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { connectionMachine } from '../machines/connection.js';
import type { ConnectionEvent, ConnectionInput, LifecycleOptions } from '../machines/events.js';
import type { ConnectionSnapshot } from '../runtime/drivers.js';
import {
  createHarness,
  type DriverKind,
  defaultOptions,
  type Harness,
  mongooseOptions,
  server,
} from '../test/support/lifecycleHarness.js';
import { protocolError, transportError } from './arbitraries.js';

const servers = [server('mqtt', 2, 8), server('mqtt1', 2, 4)];

/** The resting states of R1 (transient ones, `choosing`, `disconnecting`, `reconfiguring`, never rest). */
const RESTING = new Set([
  'idle',
  'stopped',
  'online.connecting.opening',
  'online.connecting.handshaking',
  'online.connected.keepalive.off',
  'online.connected.keepalive.waiting',
  'online.connected.keepalive.pinging',
  'online.connected.stability.settling',
  'online.connected.stability.stable',
  'online.connected.delivery.replaying',
  'online.connected.delivery.ready',
  // R313: the auth region rests in idle; its exchanges are walked by properties/auth.prop.test.ts.
  'online.connected.auth.idle',
  'backoff.drawing',
  'backoff.waiting',
]);

/** A state value as its dotted leaf paths. */
function leaves(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [`${prefix}${value}`];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) =>
    leaves(child, `${prefix}${key}.`),
  );
}

const isOnline = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && 'online' in value;
const isDrawing = (value: unknown): boolean =>
  JSON.stringify(value) === JSON.stringify({ backoff: 'drawing' });

/** R45: every declared delay, evaluated in `snapshot`, is a finite number >= 0. */
function delayProblems(snapshot: ConnectionSnapshot): string[] {
  const delays = connectionMachine.implementations.delays as Record<
    string,
    (args: { context: unknown; event: EventObject }) => number
  >;
  return Object.entries(delays).flatMap(([name, delay]) => {
    const ms = delay({ context: snapshot.context, event: { type: 'xstate.init' } });
    return Number.isFinite(ms) && ms >= 0 ? [] : [`delay ${name} is ${ms}`];
  });
}

/** R45 on what is actually scheduled: the delays of the `xstate.raise` actions a step returns. */
function raisedDelayProblems(actions: readonly { type: string; params?: unknown }[]): string[] {
  return actions.flatMap((action) => {
    if (action.type !== 'xstate.raise') return [];
    const { delay } = action.params as { delay?: unknown };
    if (delay === undefined || (typeof delay === 'number' && Number.isFinite(delay) && delay >= 0)) return [];
    return [`raised delay ${String(delay)}`];
  });
}

/** R1: every leaf of the value is a resting state of R1. */
const stateProblems = (value: unknown): string[] =>
  leaves(value).flatMap((leaf) => (RESTING.has(leaf) ? [] : [`not a resting state: ${leaf}`]));

/** The graph walk with payloads for the events that need them and a bounded abstraction of context.
 * `answered`: both drivers answer drawRandom before any other input, so `backoff.drawing` only
 * takes `random.drawn` (the walk the runtimes can live); without it, any event may come first.
 */
function walk(input: ConnectionInput, answered: boolean) {
  const payloads: ConnectionEvent[] = [
    transportError,
    protocolError,
    { type: 'mqtt.connack', returnCode: 0, sessionPresent: false },
    { type: 'mqtt.connack', returnCode: 4, sessionPresent: false },
    { type: 'random.drawn', value: 0.5 },
    { type: 'client.configure', servers: input.servers, options: input.options },
  ];
  return getShortestPaths(connectionMachine, {
    input,
    events: (snapshot) =>
      __unsafe_getAllOwnEventDescriptors(snapshot).flatMap((type): ConnectionEvent[] => {
        const withPayload = payloads.filter((event) => event.type === type);
        // Events without a payload (and the timers, typed outside the event union) go bare.
        return withPayload.length > 0 ? withPayload : [{ type } as AnyEventObject as ConnectionEvent];
      }),
    // For a fixed ring, t and the delays take finitely many values; the attempt counter does not, so
    // it is capped. lastError only feeds emitted events, so it is left out.
    serializeState: (snapshot) => {
      const { attempt, current, t, nominalMs, switched } = snapshot.context;
      return JSON.stringify({
        value: snapshot.value,
        attempt: Math.min(attempt, 2),
        current,
        t,
        nominalMs,
        switched,
      });
    },
    // The MQTT 5 events (R260-R270, and R313's re-authentication) stay out: with their ring changes the walk outgrows its
    // budget; properties/v5.prop.test.ts covers them with random runs instead.
    filterEvents: (snapshot, event) =>
      !event.type.startsWith('mqtt5.') &&
      event.type !== 'client.reauthenticate' &&
      (!answered || !isDrawing(snapshot.value) || event.type === 'random.drawn'),
    limit: 100_000,
  });
}

type Path = ReturnType<typeof walk>[number];

/** The paths no other path extends: shortest paths form a tree, so replaying these visits every state. */
function maximal(paths: readonly Path[]): Path[] {
  const key = (events: readonly EventObject[]) => JSON.stringify(events);
  const prefixes = new Set<string>();
  for (const path of paths) {
    const events = path.steps.map((step) => step.event);
    for (let i = 0; i < events.length; i++) prefixes.add(key(events.slice(0, i)));
  }
  return paths.filter((path) => !prefixes.has(key(path.steps.map((step) => step.event))));
}

/**
 * R1, R27, R45 in one reached state: `pure` is our own fold of the path through `transition()`;
 * the harness must be in the same state, with a transport open exactly while online.
 */
function problemsAt(h: Harness, pure: ConnectionSnapshot): string[] {
  const problems = [...stateProblems(pure.value), ...delayProblems(pure), ...h.violations];
  const live = h.driver.getSnapshot();
  // In `backoff.drawing` the harness is one step ahead: it has answered drawRandom (r = 0.5), the
  // walk's next step is that answer. Only the new delay differs.
  const drawing = isDrawing(pure.value);
  const expectedValue = drawing ? { backoff: 'waiting' } : pure.value;
  if (JSON.stringify(live.value) !== JSON.stringify(expectedValue)) {
    problems.push(`live ${JSON.stringify(live.value)} != walk ${JSON.stringify(pure.value)}`);
  }
  const comparable = (context: ConnectionSnapshot['context']) =>
    JSON.stringify(drawing ? { ...context, delayMs: 0 } : context);
  if (comparable(live.context) !== comparable(pure.context)) problems.push('live context != walk context');
  const open = h.openServer();
  if (isOnline(pure.value) ? open !== pure.context.current : open !== null) {
    problems.push(`transport ${open} in ${JSON.stringify(pure.value)}`);
  }
  return problems;
}

const profiles: [string, LifecycleOptions, number][] = [
  // [name, options, a lower bound on reachable abstract states, so the walk cannot silently shrink]
  ['default', defaultOptions, 150],
  ['mongoose', mongooseOptions, 100],
  ['no keep-alive', { ...defaultOptions, keepAliveMs: 0 }, 100],
];

describe.each(profiles)('bounded exhaustive walk (%s profile)', (_name, options, atLeast) => {
  const input: ConnectionInput = { servers, options };
  const paths = walk(input, false);
  const lived = walk(input, true);

  it(`R1, R45: reaches ${paths.length} abstract states (at least ${atLeast}), each a resting state of R1 with finite delays >= 0`, () => {
    expect(paths.length).toBeGreaterThanOrEqual(atLeast);
    expect(
      paths.flatMap((path) => [...stateProblems(path.state.value), ...delayProblems(path.state)]),
    ).toEqual([]);
    // Every resting state of R1 is reached (the keep-alive and stability ones as the profile allows).
    const reached = new Set(paths.flatMap((path) => leaves(path.state.value)));
    const expected = [...RESTING]
      .filter((s) =>
        options.keepAliveMs > 0 ? !s.endsWith('keepalive.off') : !/keepalive\.(waiting|pinging)$/.test(s),
      )
      .filter((s) => options.reset === 'stable' || !s.endsWith('settling'));
    expect([...reached].sort()).toEqual(expected.sort());
  });

  it.each<DriverKind>(['step', 'actor', 'chart'])(
    'R1, R3, R27, R45: every path the runtime can live, replayed through the %s driver and a fake transport, keeps the invariants in every state',
    (kind) => {
      expect(lived.length).toBeGreaterThanOrEqual(atLeast / 2);
      const replayed = maximal(lived);
      const problems: string[] = [];
      let steps = 0;
      for (const path of replayed) {
        const h = createHarness(input, kind, () => 0.5);
        let [pure] = initialTransition(connectionMachine, input);
        problems.push(...problemsAt(h, pure));
        for (const { event } of path.steps) {
          // The walk starts each path with the initial event, typed outside the machine's events.
          if ((event as AnyEventObject).type === 'xstate.init') continue;
          const [next, actions] = transition(connectionMachine, pure, event);
          problems.push(...raisedDelayProblems(actions));
          pure = next;
          // The harness answers drawRandom at once with r = 0.5: the walk's explicit draw is that answer.
          if (event.type === 'random.drawn') continue;
          // Timer events go in as the walk took them (the live timers are cancelled on exit).
          h.driver.send(event);
          problems.push(
            ...problemsAt(h, pure).map((p) => `${path.steps.map((s) => s.event.type).join(' > ')}: ${p}`),
          );
          steps++;
        }
        if (JSON.stringify(pure.value) !== JSON.stringify(path.state.value))
          problems.push('path does not reach its state');
        if (problems.length > 10) break;
      }
      expect(problems).toEqual([]);
      expect(steps).toBeGreaterThan(replayed.length);
    },
  );
});
