/**
 * The chart step (runtime/chartStep.ts, no xstate) against xstate's own step (runtime/xstateStep.ts)
 * (spec R343-R345): for random inputs and random event sequences, with timers firing through the
 * events they raised, random draws, MQTT 5 CONNACKs, DISCONNECTs and AUTH, and reconfigurations,
 * both give equal values (as JSON, so journals record the same text), contexts, statuses and
 * action lists at every step; the walks reach every stable state of the chart; from each of the 31
 * stable configurations every event of an alphabet and every pending timer steps alike; and a
 * journal the chart step recorded replays through xstate to the same states. The chart step on the
 * 3.1.1 base alone (R363, R364) steps as xstate's whole machine on every 3.1.1-only sequence, and
 * ignores the MQTT 5 events, as xstate does an event no state takes.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { connectionChart } from '../machines/chart.js';
import { connectionMachine } from '../machines/connection.js';
import type { ConnectionEvent, ConnectionInput, LifecycleOptions } from '../machines/events.js';
import { ALL_GUARDS, ALL_UPDATES } from '../machines/implementationsV5.js';
import { checkReplay, journalHeader } from '../machines/journal.js';
import type { StateConfig } from '../runtime/chartNodes.js';
import { BASE_CHART, chartStepper, chartStepperFor } from '../runtime/chartStep.js';
import { WHOLE_CHART } from '../runtime/chartStepV5.js';
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

/** The whole chart's chart step, and the 3.1.1 base's alone (R364), whatever the profile gave. */
const wholeStepper = chartStepperFor(WHOLE_CHART);
const baseStepper = chartStepperFor(BASE_CHART);

const events = (arb: fc.Arbitrary<ConnectionEvent>) => arb.map((event): Move[] => [{ event }]);
/** Moves a 3.1.1 client makes: commands (3.1.1 CONNACKs among them), timers, draws, sessions. */
const moves311 = [
  {
    arbitrary: commandArb().map((c): Move[] =>
      c.c === 'tick' ? [{ fire: Math.floor(c.ms) }] : eventsOf(c).map((event) => ({ event })),
    ),
    weight: 8,
  },
  { arbitrary: fc.nat().map((fire): Move[] => [{ fire }]), weight: 4 },
  { arbitrary: events(drawArb.map((value) => ({ type: 'random.drawn', value }))), weight: 2 },
  // Straight to a 3.1.1 session, so the walks spend time connected.
  {
    arbitrary: fc
      .tuple(fc.boolean(), fc.constantFrom(0, 0, 3, 5), fc.boolean())
      .map(([client, returnCode, sessionPresent]): Move[] => [
        ...(client ? [{ event: { type: 'client.connect' } } as const] : []),
        { event: { type: 'transport.opened' } },
        { event: { type: 'mqtt.connack', returnCode, sessionPresent } },
      ]),
    weight: 3,
  },
  { arbitrary: events(fc.constant<ConnectionEvent>({ type: 'session.drained' })), weight: 1 },
];
const run311Arb = fc.tuple(
  inputArb,
  fc.array(fc.oneof(...moves311), { maxLength: 60 }).map((moves) => moves.flat()),
);
const moveArb: fc.Arbitrary<Move[]> = fc.oneof(
  ...moves311,
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
function walk(input: ConnectionInput, moves: readonly Move[], stepper = wholeStepper): Set<string> {
  const chart = new Walk(stepper, input);
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

/** The events only an MQTT 5 profile's client hears (R353, R364). */
const isMqtt5 = (event: ConnectionEvent): boolean =>
  event.type.startsWith('mqtt5.') || event.type === 'client.reauthenticate';

/** The option sets of the sweeps: the default, Mongoose's, stopping on refusals. */
const OPTION_SETS: readonly LifecycleOptions[] = [
  defaultOptions,
  mongooseOptions,
  { ...defaultOptions, onRefused: 'stop' },
];

/**
 * From every configuration `stepper` reaches with `alphabet` (and the timers pending), under the
 * option sets, every event of the alphabet and every pending timer steps as xstate's whole
 * machine does, and `matches()` answers alike; `also` is told each configuration reached.
 * Returns the configurations (state values as JSON).
 */
function sweep(
  stepper: Stepper,
  alphabet: readonly ConnectionEvent[],
  also: (chart: Walk, xstate: Walk) => void = () => {},
  optionSets = OPTION_SETS,
): Set<string> {
  const configurations = new Set<string>();
  for (const options of optionSets) {
    const input: ConnectionInput = { servers: [server('a', 1, 4), server('b', 2, 8)], options };
    const start = [new Walk(stepper, input), new Walk(xstateStepper, input)] as const;
    also(...start);
    const seen = new Set<string>([JSON.stringify(start[1].snapshot.value)]);
    const queue: (readonly [Walk, Walk])[] = [start];
    for (let pair = queue.shift(); pair !== undefined; pair = queue.shift()) {
      const [chartFrom, xstateFrom] = pair;
      for (const event of [...alphabet, ...xstateFrom.timers.values()]) {
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
        also(chart, xstate);
        seen.add(key);
        queue.push([chart, xstate]);
      }
    }
    for (const key of seen) configurations.add(key);
  }
  return configurations;
}

describe('the chart step (no xstate) and xstate step alike (R343-R346)', () => {
  it('R344, R346: from every configuration reachable with the event alphabet, every event and every pending timer steps alike, and matches() answers alike', () => {
    // Every stable configuration: idle, stopped, 3 connecting, 2 backoff, and 3 x 2 x 2 x 2 connected.
    expect(sweep(wholeStepper, ALPHABET).size).toBe(31);
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

describe('the chart step on the 3.1.1 base (R363-R365)', () => {
  const ALPHABET_311 = ALPHABET.filter((event) => !isMqtt5(event));
  const MQTT5_EVENTS = ALPHABET.filter(isMqtt5);

  it('R364, R365: from every configuration a 3.1.1 client reaches, every 3.1.1 event and timer steps as the whole xstate machine does, and an MQTT 5 event changes nothing and does nothing', () => {
    expect(ALPHABET_311.length).toBeGreaterThan(12);
    expect(MQTT5_EVENTS.length).toBeGreaterThan(10);
    let ignored = 0;
    const configurations = sweep(
      baseStepper,
      ALPHABET_311,
      (chart) => {
        // As xstate does with an event no active state takes: the same snapshot, no actions.
        for (const event of MQTT5_EVENTS) {
          const [next, actions] = baseStepper.pureStep(chart.snapshot, event, chart.input);
          expect(next).toBe(chart.snapshot);
          expect(actions).toEqual([]);
          ignored += 1;
        }
      },
      // Keep-alive off: a 3.1.1 server has no Server Keep Alive to turn it off (R269).
      [...OPTION_SETS, { ...defaultOptions, keepAliveMs: 0 }],
    );
    // idle, stopped, opening, handshaking, 2 backoff, and keepalive 3 x stability 2 x auth.idle x delivery 2.
    expect(configurations.size).toBe(18);
    expect(ignored).toBeGreaterThanOrEqual(MQTT5_EVENTS.length * configurations.size);
  });

  it('R365: equal values, contexts, statuses and actions at every step of random 3.1.1 runs', () => {
    fc.assert(
      fc.property(run311Arb, ([input, moves]) => {
        walk(input, moves, baseStepper);
      }),
      { numRuns: numRuns(200) },
    );
  });

  it('R363, R365: a 3.1.1 client is in the same states on the base as on the whole chart: every stable state but the MQTT 5 ones', () => {
    const seen = new Set<string>();
    for (const [input, moves] of fc.sample(run311Arb, { numRuns: 300, seed: 363 }))
      for (const leaf of walk(input, moves, baseStepper)) seen.add(leaf);
    const whole = stableLeaves(connectionChart as unknown as StateConfig);
    expect(whole.filter((leaf) => !seen.has(leaf))).toEqual([
      'online.connecting.authenticating',
      'online.connected.auth.reauthenticating',
    ]);
  });

  it('R364: the chart step steps the base until the MQTT 5 profile gives it the whole chart; a client keeps the chart it started on', async () => {
    // A fresh copy of the module, as in a browser bundle without the profile.
    vi.resetModules();
    const fresh = await import('../runtime/chartStep.js');
    const input: ConnectionInput = { servers: [server('a', 1, 4)], options: defaultOptions };
    const handshaking = (stepper: Stepper): ConnectionSnapshot => {
      let [snapshot] = stepper.initialStep(input);
      for (const event of [{ type: 'client.connect' }, { type: 'transport.opened' }])
        [snapshot] = stepper.pureStep(snapshot, event, input);
      return snapshot;
    };
    const auth = { type: 'mqtt5.auth', reasonCode: 0x18 } as const;
    expect(fresh.chartStepper.logic.config).toBe(fresh.BASE_CHART.chart);
    const early = handshaking(fresh.chartStepper);
    fresh.stepChart({ chart: connectionChart, guards: ALL_GUARDS, updates: ALL_UPDATES });
    expect(fresh.chartStepper.logic.config).toBe(connectionChart);
    const late = handshaking(fresh.chartStepper);
    // The client made before the profile stays on the base: it ignores the AUTH.
    const [still, none] = fresh.chartStepper.pureStep(early, auth, input);
    expect(still).toBe(early);
    expect(none).toEqual([]);
    const [authenticating, actions] = fresh.chartStepper.pureStep(late, auth, input);
    expect(authenticating.value).toEqual({ online: { connecting: 'authenticating' } });
    expect(actions.map((a) => a.type)).toEqual(['answerAuth']);
  });

  it("R363: the merged chart is the machine's config, and the harness gave the chart step the whole chart", () => {
    expect(connectionMachine.config).toEqual(connectionChart);
    expect(chartStepper.logic.config).toBe(connectionChart);
    expect(baseStepper.logic.config).toBe(BASE_CHART.chart);
  });
});
