/**
 * The chart step (runtime/chartStep.ts, no xstate) against xstate's own step (runtime/xstateStep.ts)
 * (spec R343-R345): for random inputs and random event sequences, with timers firing through the
 * events they raised, random draws, MQTT 5 CONNACKs, DISCONNECTs and AUTH, and reconfigurations,
 * both give equal values (as JSON, so journals record the same text), contexts, statuses and
 * action lists at every step; the walks reach every stable state of the chart; from each of the 31
 * stable configurations every event of an alphabet and every pending timer steps alike; and a
 * journal the chart step recorded replays through xstate to the same states.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { connectionChart } from '../machines/chart.js';
import type { ConnectionEvent, ConnectionInput } from '../machines/events.js';
import { checkReplay, journalHeader } from '../machines/journal.js';
import type { StateConfig } from '../runtime/chartNodes.js';
import { chartStepper } from '../runtime/chartStep.js';
import type { ConnectionSnapshot } from '../runtime/ports.js';
import type { Step, StepAction, Stepper } from '../runtime/stepper.js';
import { xstateStepper } from '../runtime/xstateStep.js';
import { createHarness, defaultOptions, mongooseOptions, server } from '../test/support/lifecycleHarness.js';
import {
  applyCommand,
  type Command,
  commandArb,
  cyclicRandom,
  drawArb,
  drawsArb,
  eventsOf,
  inputArb,
  numRuns,
  protocolError,
  transportError,
} from './arbitraries.js';
import { authEventArb, connackArb, disconnectArb } from './v5Arbitraries.js';

/** An input event, or "the pending timer number `pick` fires" (its raised event is the input). */
type Move = { readonly event: ConnectionEvent } | { readonly fire: number };

const events = (arb: fc.Arbitrary<ConnectionEvent>) => arb.map((event): Move[] => [{ event }]);
const moveArb: fc.Arbitrary<Move[]> = fc.oneof(
  {
    arbitrary: commandArb().map((c): Move[] =>
      c.c === 'tick' ? [{ fire: Math.floor(c.ms) }] : eventsOf(c).map((event) => ({ event })),
    ),
    weight: 8,
  },
  { arbitrary: fc.nat().map((fire): Move[] => [{ fire }]), weight: 4 },
  { arbitrary: events(drawArb.map((value) => ({ type: 'random.drawn', value }))), weight: 2 },
  { arbitrary: events(connackArb), weight: 2 },
  { arbitrary: events(disconnectArb), weight: 2 },
  { arbitrary: events(authEventArb), weight: 3 },
  // Straight to a session (through an AUTH exchange or not), so the walks spend time connected.
  {
    arbitrary: fc
      .tuple(fc.boolean(), connackArb, fc.constantFrom(0, 1, 2))
      .map(([client, connack, auths]): Move[] => [
        ...(client ? [{ event: { type: 'client.connect' } } as const] : []),
        { event: { type: 'transport.opened' } },
        ...Array.from(
          { length: auths },
          () => ({ event: { type: 'mqtt5.auth', reasonCode: 0x18 } }) as const,
        ),
        { event: connack },
      ]),
    weight: 3,
  },
  {
    arbitrary: events(
      fc.constantFrom<ConnectionEvent>({ type: 'session.drained' }, { type: 'client.reauthenticate' }),
    ),
    weight: 2,
  },
);
const runArb = fc.tuple(
  inputArb,
  fc.array(moveArb, { maxLength: 60 }).map((moves) => moves.flat()),
);

const shape = (actions: readonly StepAction[]) => actions.map(({ type, params }) => ({ type, params }));

/** One stepper's run: its snapshot, and its pending timers by id (as a driver keeps them). */
class Walk {
  snapshot: ConnectionSnapshot;
  readonly timers = new Map<string, { readonly type: string }>();
  constructor(
    readonly stepper: Stepper,
    readonly input: ConnectionInput,
    from?: Walk,
  ) {
    if (from === undefined) this.snapshot = this.#take(stepper.initialStep(input));
    else {
      this.snapshot = from.snapshot;
      for (const [id, event] of from.timers) this.timers.set(id, event);
    }
  }

  /** A walk that goes on from where this one is (snapshots are never changed in place). */
  fork(): Walk {
    return new Walk(this.stepper, this.input, this);
  }

  #actions: readonly StepAction[] = [];

  apply(event: { readonly type: string }): void {
    this.timers.delete(event.type);
    this.snapshot = this.#take(this.stepper.pureStep(this.snapshot, event, this.input));
  }

  get actions(): readonly StepAction[] {
    return this.#actions;
  }

  #take([snapshot, actions]: Step): ConnectionSnapshot {
    this.#actions = actions;
    for (const { type, params } of actions) {
      const p = params as { event: { type: string }; id: string; delay?: number; sendId: string };
      if (type === 'xstate.raise' && typeof p.delay === 'number') this.timers.set(p.id, p.event);
      if (type === 'xstate.cancel') this.timers.delete(p.sendId);
    }
    return snapshot;
  }
}

/** Asserts the two walks agree; plain comparisons first, expect() only to report. */
function agree(chart: Walk, xstate: Walk, at: string): void {
  const c = chart.snapshot;
  const x = xstate.snapshot;
  const same =
    c.status === x.status &&
    JSON.stringify(c.value) === JSON.stringify(x.value) &&
    JSON.stringify(c.context) === JSON.stringify(x.context) &&
    JSON.stringify(shape(chart.actions)) === JSON.stringify(shape(xstate.actions));
  if (same) return;
  expect({ at, value: JSON.stringify(c.value) }).toEqual({ at, value: JSON.stringify(x.value) });
  expect(c.status).toBe(x.status);
  expect(c.context).toEqual(x.context);
  expect(shape(chart.actions)).toEqual(shape(xstate.actions));
}

/** Runs `moves` through both steppers, checking after each; returns the atomic states seen. */
function walk(input: ConnectionInput, moves: readonly Move[]): Set<string> {
  const chart = new Walk(chartStepper, input);
  const xstate = new Walk(xstateStepper, input);
  const seen = new Set<string>();
  agree(chart, xstate, 'initial');
  for (const move of moves) {
    let event: { readonly type: string } | undefined;
    if ('event' in move) event = move.event;
    else {
      const pending = [...xstate.timers.values()];
      event = pending[move.fire % Math.max(1, pending.length)];
      if (event === undefined) continue;
    }
    expect([...chart.timers.keys()]).toEqual([...xstate.timers.keys()]);
    chart.apply(event);
    xstate.apply(event);
    agree(chart, xstate, event.type);
    for (const leaf of leaves(xstate.snapshot.value)) seen.add(leaf);
  }
  return seen;
}

/** The atomic states of a state value, as paths. */
function leaves(value: unknown, path = ''): string[] {
  if (typeof value === 'string') return [`${path}${value}`];
  return Object.entries(value as object).flatMap(([key, child]) => leaves(child, `${path}${key}.`));
}

/** The chart's atomic states that a snapshot can be in: all but the transient (`always`) ones. */
function stableLeaves(config: StateConfig, path = ''): string[] {
  return Object.entries(config.states ?? {}).flatMap(([key, child]) =>
    child.states !== undefined
      ? stableLeaves(child, `${path}${key}.`)
      : child.always === undefined
        ? [`${path}${key}`]
        : [],
  );
}

/** Every input event kind the chart reacts to, with the MQTT 5 and AUTH reason codes that decide differently. */
const ALPHABET: readonly ConnectionEvent[] = [
  { type: 'client.connect' },
  { type: 'client.disconnect' },
  { type: 'net.up' },
  { type: 'transport.opened' },
  { type: 'transport.closed' },
  transportError,
  protocolError,
  { type: 'mqtt.connack', returnCode: 0, sessionPresent: true },
  { type: 'mqtt.connack', returnCode: 3, sessionPresent: false },
  { type: 'mqtt.connack', returnCode: 5, sessionPresent: false },
  { type: 'mqtt.pingresp' },
  { type: 'session.drained' },
  { type: 'random.drawn', value: 0.3 },
  { type: 'client.configure', servers: [server('c', 1, 2)], options: mongooseOptions },
  { type: 'mqtt5.connack', reasonCode: 0, sessionPresent: false, serverKeepAliveMs: 0 },
  { type: 'mqtt5.connack', reasonCode: 0x87, sessionPresent: false },
  { type: 'mqtt5.connack', reasonCode: 0x89, sessionPresent: false },
  { type: 'mqtt5.connack', reasonCode: 0x9c, sessionPresent: false, serverReference: ['ref-x'] },
  { type: 'mqtt5.disconnect', reasonCode: 0 },
  { type: 'mqtt5.disconnect', reasonCode: 0x87 },
  { type: 'mqtt5.disconnect', reasonCode: 0x8b },
  { type: 'mqtt5.disconnect', reasonCode: 0x8e },
  { type: 'mqtt5.disconnect', reasonCode: 0x9d, serverReference: ['ref-y'] },
  { type: 'mqtt5.auth', reasonCode: 0x18 },
  { type: 'mqtt5.auth', reasonCode: 0 },
  { type: 'client.reauthenticate' },
];

/** Partial state values to ask `matches()` about: names, paths and nested objects. */
const PROBES: readonly (string | object)[] = [
  'idle',
  'online',
  'backoff.waiting',
  'online.connecting',
  { online: 'connected' },
  { online: { connecting: 'handshaking' } },
  { online: { connected: { auth: 'reauthenticating' } } },
  { online: { connected: { keepalive: 'off', delivery: 'ready' } } },
  { backoff: 'drawing' },
];

describe('the chart step (no xstate) and xstate step alike (R343-R346)', () => {
  it('R344, R346: from every configuration reachable with the event alphabet, every event and every pending timer steps alike, and matches() answers alike', () => {
    const configurations = new Set<string>();
    for (const options of [
      defaultOptions,
      mongooseOptions,
      { ...defaultOptions, onRefused: 'stop' as const },
    ]) {
      const input: ConnectionInput = { servers: [server('a', 1, 4), server('b', 2, 8)], options };
      const start = [new Walk(chartStepper, input), new Walk(xstateStepper, input)] as const;
      const seen = new Set<string>([JSON.stringify(start[1].snapshot.value)]);
      const queue: (readonly [Walk, Walk])[] = [start];
      for (let pair = queue.shift(); pair !== undefined; pair = queue.shift()) {
        const [chartFrom, xstateFrom] = pair;
        for (const event of [...ALPHABET, ...xstateFrom.timers.values()]) {
          const chart = chartFrom.fork();
          const xstate = xstateFrom.fork();
          chart.apply(event);
          xstate.apply(event);
          agree(chart, xstate, `${JSON.stringify(xstateFrom.snapshot.value)} + ${event.type}`);
          expect([...chart.timers.keys()]).toEqual([...xstate.timers.keys()]);
          const key = JSON.stringify(xstate.snapshot.value);
          if (seen.has(key)) continue;
          // R346: `matches()` answers alike, for the partial values the runtime asks about.
          const answers = (w: Walk) => PROBES.map((probe) => w.snapshot.matches(probe));
          expect(answers(chart)).toEqual(answers(xstate));
          seen.add(key);
          queue.push([chart, xstate]);
        }
      }
      for (const key of seen) configurations.add(key);
    }
    // Every stable configuration: idle, stopped, 3 connecting, 2 backoff, and 3 x 2 x 2 x 2 connected.
    expect(configurations.size).toBe(31);
  });

  it('R344: equal values, contexts, statuses and actions at every step of random runs with timers, draws, MQTT 5 and AUTH events', () => {
    fc.assert(
      fc.property(runArb, ([input, moves]) => {
        walk(input, moves);
      }),
      { numRuns: numRuns(200) },
    );
  });

  it('R344: the random walks reach every stable state of the chart', () => {
    const seen = new Set<string>();
    for (const [input, moves] of fc.sample(runArb, { numRuns: 300, seed: 343 }))
      for (const leaf of walk(input, moves)) seen.add(leaf);
    const all = stableLeaves(connectionChart as unknown as StateConfig);
    expect(all.length).toBeGreaterThan(12);
    expect(all.filter((leaf) => !seen.has(leaf))).toEqual([]);
  });

  it('R345: a journal the chart step driver recorded replays through xstate to the states it recorded', () => {
    const commandsArb = fc.array(
      fc.oneof(
        { arbitrary: commandArb(), weight: 6 },
        { arbitrary: fc.oneof(connackArb, disconnectArb, authEventArb), weight: 3 },
      ),
      { maxLength: 60 },
    );
    fc.assert(
      fc.property(inputArb, commandsArb, drawsArb, (input, commands, draws) => {
        const chart = createHarness(input, 'chart', cyclicRandom(draws).random);
        const actor = createHarness(input, 'actor', cyclicRandom(draws).random);
        for (const command of commands) {
          for (const h of [chart, actor])
            if ('c' in command) applyCommand(h, command as Command);
            else h.send(command);
        }
        const checked = checkReplay({ header: journalHeader(input), entries: chart.journal });
        expect(checked.mismatch).toBeNull();
        expect(checked.checked).toBe(chart.journal.length);
        expect(chart.journal).toEqual(actor.journal);
        expect(chart.effects).toEqual(actor.effects);
        expect(chart.emitted).toEqual(actor.emitted);
      }),
      { numRuns: numRuns(100) },
    );
  });
});
