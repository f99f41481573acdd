/**
 * Model-based test of the live actor driver (spec R1, R4-R27, R45, R81): random command sequences run
 * against the statechart (SimulatedClock, fake transport) and against a small model written from
 * the spec, and after every command the two must agree on the state, the schedule (server, t,
 * attempt), the pending retry, the effects, the transport and the pending timers. `fc.modelRun`
 * shrinks a disagreement to a short story.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ServerTiming } from '../machines/backoff.js';
import type { ConnectionEvent, LifecycleOptions } from '../machines/events.js';
import { createHarness, defaultOptions, type Harness } from '../test/support/lifecycleHarness.js';
import {
  coarse,
  drawsArb,
  firstEnabledIndex,
  jitterArb,
  mongooseOptionsArb,
  numRuns,
  protocolError,
  ringArb,
  shortServerArb,
  specJitter,
  specNext,
  transportError,
} from './arbitraries.js';

type ModelState = 'idle' | 'opening' | 'handshaking' | 'connected' | 'backoff' | 'stopped';
type TimerName = 'retry' | 'connect' | 'keepalive' | 'ping' | 'stable';

interface Timer {
  readonly name: TimerName;
  readonly start: number;
  readonly delay: number;
}

interface Config {
  readonly servers: readonly ServerTiming[];
  readonly options: LifecycleOptions;
  readonly draws: readonly number[];
}

/** What the spec says the client is doing. */
interface Model {
  servers: readonly ServerTiming[];
  options: LifecycleOptions;
  readonly draws: readonly number[];
  state: ModelState;
  now: number;
  current: number;
  t: number;
  attempt: number;
  nominal: number;
  delay: number;
  switched: boolean;
  keepalive: 'off' | 'waiting' | 'pinging';
  timers: Timer[];
  drawn: number;
  attempts: number;
  pingreqs: number;
  /** DISCONNECT packets written (R24, R26). */
  disconnects: number;
  /** sessionUp / sessionDown effects. */
  sessionsUp: number;
  sessionsDown: number;
  /** Emitted events (R29-R33): failures before a session, retries scheduled, entries into stopped. */
  connectErrors: number;
  backoffs: number;
  stops: number;
}

const online = (m: Model): boolean =>
  m.state === 'opening' || m.state === 'handshaking' || m.state === 'connected';

/** R9: an attempt (and R20's deadline). */
function startAttempt(m: Model): void {
  m.state = 'opening';
  m.attempt++;
  m.attempts++;
  m.timers = [];
  const { connectTimeoutMs } = m.options;
  if (connectTimeoutMs > 0) m.timers.push({ name: 'connect', start: m.now, delay: connectTimeoutMs });
}

/** R5: restart the schedule, then attempt. */
function restartAndAttempt(m: Model): void {
  m.t = 0;
  m.attempt = 0;
  m.current = firstEnabledIndex(m.servers);
  startAttempt(m);
}

/** Leaving `connected`: the session is gone; the user's way out writes DISCONNECT first (R24, R26). */
function leaveConnected(m: Model, byUser: boolean): void {
  if (m.state !== 'connected') return;
  m.sessionsDown++;
  if (byUser) m.disconnects++;
}

/** R10-R16: one failure; the runtime answers drawRandom at once. */
function fail(m: Model): void {
  if (m.state !== 'connected') m.connectErrors++;
  m.backoffs++;
  leaveConnected(m, false);
  const next = specNext(m.servers, m.current, m.t);
  const r = m.draws[m.drawn++ % m.draws.length] as number;
  m.current = next.current;
  m.t = next.t;
  m.nominal = next.nominalMs;
  m.switched = next.switched;
  m.delay = specJitter(next.nominalMs, m.options.jitter, r);
  m.state = 'backoff';
  m.timers = [{ name: 'retry', start: m.now, delay: m.delay }];
}

/** R17-R18, R21: entering `connected`. */
function connected(m: Model): void {
  const { keepAliveMs, reset, stableConnectionMs } = m.options;
  m.state = 'connected';
  m.sessionsUp++;
  m.timers = [];
  m.keepalive = keepAliveMs > 0 ? 'waiting' : 'off';
  if (keepAliveMs > 0) m.timers.push({ name: 'keepalive', start: m.now, delay: keepAliveMs });
  if (reset === 'connack') m.t = 0;
  else m.timers.push({ name: 'stable', start: m.now, delay: stableConnectionMs });
}

function sendPingreq(m: Model): void {
  const { pingTimeoutMs, keepAliveMs } = m.options;
  m.pingreqs++;
  m.keepalive = 'pinging';
  m.timers = m.timers.filter((x) => x.name !== 'keepalive' && x.name !== 'ping');
  m.timers.push({ name: 'ping', start: m.now, delay: pingTimeoutMs || keepAliveMs });
}

/** R21: the next PINGREQ is keepAliveMs after a PINGRESP (which only `pinging` expects). */
function answerPing(m: Model): void {
  if (m.state !== 'connected' || m.keepalive !== 'pinging') return;
  m.keepalive = 'waiting';
  m.timers = m.timers.filter((x) => x.name !== 'ping');
  m.timers.push({ name: 'keepalive', start: m.now, delay: m.options.keepAliveMs });
}

/** A timer fires (R16, R18, R20-R22). */
function fire(m: Model, timer: Timer): void {
  m.timers = m.timers.filter((x) => x !== timer);
  switch (timer.name) {
    case 'retry':
      startAttempt(m);
      break;
    case 'connect':
      fail(m);
      break;
    case 'stable':
      m.t = 0;
      break;
    case 'keepalive':
      sendPingreq(m);
      break;
    case 'ping':
      // R22: a ping timeout fails the session; without one (0, Mongoose) the pings go on.
      if (m.options.pingTimeoutMs > 0) fail(m);
      else sendPingreq(m);
      break;
  }
}

/**
 * Time passes (the simulated clock's semantics): every timer due by `now` fires, earliest first;
 * timers started by those firings count from `now`, so they wait for the next tick.
 */
function tick(m: Model, ms: number): void {
  m.now += ms;
  for (;;) {
    const due = m.timers
      .filter((x) => m.now - x.start >= x.delay)
      .sort((a, b) => a.start + a.delay - (b.start + b.delay));
    const first = due[0];
    if (first === undefined) return;
    fire(m, first);
  }
}

interface SimulatedClockInternals {
  readonly timeouts: Map<number, { start: number; timeout: number }>;
}

/** The clock's pending timers (xstate's SimulatedClock keeps them in a private map). */
const pending = (h: Harness) => [...(h.clock as unknown as SimulatedClockInternals).timeouts.values()];

/** What can be observed of a run from outside: the model predicts it, the harness shows it. */
interface Observation {
  readonly value: unknown;
  readonly schedule: { current: number; t: number; attempt: number };
  readonly retry: { nominalMs: number; delayMs: number; switched: boolean } | null;
  readonly now: number;
  readonly effects: Record<string, number>;
  readonly emitted: Record<string, number>;
  readonly transport: number | null;
  readonly violations: readonly string[];
  readonly badDelays: readonly number[];
  readonly pending: readonly number[] | 'any';
}

/** What the model expects to observe. */
function expected(m: Model): Observation {
  const connecting = m.state === 'opening' || m.state === 'handshaking';
  const stability = m.timers.some((x) => x.name === 'stable') ? 'settling' : 'stable';
  return {
    value: connecting
      ? { online: { connecting: m.state } }
      : m.state === 'backoff'
        ? // R15: the draw is answered at once, so a resting backoff is waiting.
          { backoff: 'waiting' }
        : m.state === 'connected'
          ? { keepalive: m.keepalive, stability }
          : m.state,
    schedule: { current: m.current, t: m.t, attempt: m.attempt },
    // R15-R16: in backoff, the retry at the jittered delay.
    retry: m.state === 'backoff' ? { nominalMs: m.nominal, delayMs: m.delay, switched: m.switched } : null,
    now: m.now,
    effects: {
      attempts: m.attempts,
      pingreqs: m.pingreqs,
      disconnects: m.disconnects,
      sessionsUp: m.sessionsUp,
      sessionsDown: m.sessionsDown,
    },
    // R29-R33: connecting per attempt, connect.error per failure before a session, connected and
    // disconnected per session, backoff per scheduled retry, stopped per user disconnect.
    emitted: {
      connecting: m.attempts,
      'connect.error': m.connectErrors,
      connected: m.sessionsUp,
      disconnected: m.sessionsDown,
      backoff: m.backoffs,
      stopped: m.stops,
    },
    // R27: one transport, open exactly while online, to the current server.
    transport: online(m) ? m.current : null,
    violations: [],
    // R45: every pending delay finite and >= 0.
    badDelays: [],
    // R16, R23: in backoff only the retry timer is pending; in idle and stopped nothing is.
    pending: m.state === 'backoff' ? [m.delay] : m.state === 'idle' || m.state === 'stopped' ? [] : 'any',
  };
}

/** The same facts, observed on the harness. */
function observe(m: Model, h: Harness): Observation {
  const { context, value } = h.driver.getSnapshot();
  const count = (effect: (e: string) => boolean) => h.effects.filter(effect).length;
  const emitted = (type: string) => h.emitted.filter((e) => e.type === type).length;
  const state = coarse(value);
  const regions = (value as { online?: { connected?: { keepalive: string; stability: string } } }).online
    ?.connected;
  const timeouts = pending(h).map((x) => x.timeout);
  return {
    value:
      state === 'connected' && regions
        ? { keepalive: regions.keepalive, stability: regions.stability }
        : value,
    schedule: { current: context.current, t: context.t, attempt: context.attempt },
    retry:
      state === 'backoff'
        ? { nominalMs: context.nominalMs, delayMs: context.delayMs, switched: context.switched }
        : null,
    now: h.clock.now(),
    effects: {
      attempts: h.attempts().length,
      pingreqs: count((e) => e === 'pingreq'),
      disconnects: count((e) => e === 'disconnect'),
      sessionsUp: count((e) => e.startsWith('sessionUp')),
      sessionsDown: count((e) => e === 'sessionDown'),
    },
    emitted: {
      connecting: emitted('connecting'),
      'connect.error': emitted('connect.error'),
      connected: emitted('connected'),
      disconnected: emitted('disconnected'),
      backoff: emitted('backoff'),
      stopped: emitted('stopped'),
    },
    transport: h.openServer(),
    violations: h.violations,
    badDelays: timeouts.filter((ms) => !(Number.isFinite(ms) && ms >= 0)),
    pending: m.state === 'backoff' || m.state === 'idle' || m.state === 'stopped' ? timeouts : 'any',
  };
}

/** After every command: the machine agrees with the model (compared cheaply, diffed on failure). */
function invariants(m: Model, h: Harness): void {
  const want = expected(m);
  const got = observe(m, h);
  if (JSON.stringify(got) !== JSON.stringify(want)) expect(got).toEqual(want);
}

type Cmd = fc.Command<Model, Harness>;

const command = (name: string, model: (m: Model) => void, real: (h: Harness) => void): Cmd => ({
  check: () => true,
  run: (m, h) => {
    real(h);
    model(m);
    invariants(m, h);
  },
  toString: () => name,
});

/**
 * A transport or broker event, sent only when the model says it can happen (the runtime drops
 * events of closed transports, R28); one in ten is a stray sent anyway, which must be ignored (R4).
 */
const inputCommand = (
  name: string,
  when: (m: Model) => boolean,
  model: (m: Model) => void,
  real: (h: Harness) => void,
): fc.Arbitrary<Cmd> =>
  fc.nat(9).map((n) => {
    const stray = n === 0;
    return {
      ...command(stray ? `${name}(stray)` : name, model, real),
      check: (m: Model) => stray || when(m),
    };
  });

/**
 * Option profiles. In `connected` the stability timer (S) and a ping timeout (K + P after the last
 * PINGRESP) can never fall due together when S < K + P, so the firing order is never ambiguous.
 */
const profileArb: fc.Arbitrary<LifecycleOptions> = fc.oneof(
  mongooseOptionsArb,
  jitterArb.map((jitter) => ({ ...defaultOptions, jitter })),
  // The default profile's refusal policy (R81); the others leave it out, which means 'retry'.
  jitterArb.map((jitter) => ({ ...defaultOptions, jitter, onRefused: 'stop' as const })),
  jitterArb.map((jitter) => ({
    reset: 'stable' as const,
    stableConnectionMs: 5_000,
    connectTimeoutMs: 4_000,
    keepAliveMs: 3_000,
    pingTimeoutMs: 2_500,
    jitter,
  })),
  jitterArb.map((jitter) => ({
    reset: 'stable' as const,
    stableConnectionMs: 1_500,
    connectTimeoutMs: 4_000,
    keepAliveMs: 1_000,
    pingTimeoutMs: 700,
    jitter,
  })),
  jitterArb.map((jitter) => ({
    reset: 'stable' as const,
    stableConnectionMs: 2_000,
    connectTimeoutMs: 1_500,
    keepAliveMs: 0,
    pingTimeoutMs: 0,
    jitter,
  })),
);

const serversArb: fc.Arbitrary<readonly ServerTiming[]> = fc.oneof(
  shortServerArb('only', true).map((s) => [s]),
  ringArb,
);

const configArb: fc.Arbitrary<Config> = fc.record({
  servers: serversArb,
  options: profileArb,
  draws: drawsArb,
});

const tickArb = fc
  .oneof(
    fc.integer({ min: 0, max: 1_000 }),
    fc.integer({ min: 0, max: 5_000 }),
    fc.integer({ min: 0, max: 70_000 }),
  )
  .map((ms) =>
    command(
      `tick(${ms})`,
      (m) => tick(m, ms),
      (h) => h.tick(ms),
    ),
  );

/**
 * Time runs to the next pending timer, give or take a millisecond: every deadline is hit on, just
 * before and just after its boundary.
 */
const elapse = fc.constantFrom(-1, 0, 1).map(
  (offset): Cmd => ({
    check: (m) => m.timers.length > 0,
    run: (m, h) => {
      const due = Math.min(...m.timers.map((x) => x.start + x.delay));
      const ms = Math.max(0, due - m.now + offset);
      h.tick(ms);
      tick(m, ms);
      invariants(m, h);
    },
    toString: () => `elapse(to next timer${offset < 0 ? ' - 1 ms' : offset > 0 ? ' + 1 ms' : ''})`,
  }),
);

/**
 * A healthy transport and broker take the next step: the transport opens, CONNACK rc=0 arrives, a
 * PINGREQ is answered. Drawn often, so runs spend time connected.
 */
const advance: Cmd = {
  check: (m) =>
    m.state === 'opening' ||
    m.state === 'handshaking' ||
    (m.state === 'connected' && m.keepalive === 'pinging'),
  run: (m, h) => {
    if (m.state === 'opening') {
      h.send({ type: 'transport.opened' });
      m.state = 'handshaking';
    } else if (m.state === 'handshaking') {
      h.send({ type: 'mqtt.connack', returnCode: 0, sessionPresent: false });
      connected(m);
    } else {
      h.send({ type: 'mqtt.pingresp' });
      answerPing(m);
    }
    invariants(m, h);
  },
  toString: () => 'advance',
};

/** R26: new servers and options; online or in backoff the client restarts and reconnects at once. */
const configure = fc.record({ servers: serversArb, options: profileArb }).map(({ servers, options }) =>
  command(
    `configure(${JSON.stringify(servers.map((x) => [x.enabled, x.minMs, x.maxMs]))}, ${JSON.stringify(options)})`,
    (m) => {
      // R26: t, the attempt count and the server restart.
      m.servers = servers;
      m.options = options;
      m.current = firstEnabledIndex(servers);
      m.t = 0;
      m.attempt = 0;
      if (m.state === 'idle' || m.state === 'stopped') return;
      leaveConnected(m, true);
      startAttempt(m);
    },
    (h) => h.send({ type: 'client.configure', servers, options }),
  ),
);

/**
 * A wake-up input: from a state in `restartFrom` it restarts the schedule and attempts, from
 * backoff it attempts at once; anywhere else it does nothing.
 */
const wakeUp = (
  name: string,
  restartFrom: readonly ModelState[],
  event: ConnectionEvent,
): fc.Arbitrary<Cmd> =>
  fc.constant(
    command(
      name,
      (m) => {
        if (restartFrom.includes(m.state)) restartAndAttempt(m);
        else if (m.state === 'backoff') startAttempt(m);
      },
      (h) => h.send(event),
    ),
  );

/** A transport or protocol failure (R10): it fails whatever attempt or session is online. */
const failureInput = (name: string, event: ConnectionEvent): fc.Arbitrary<Cmd> =>
  inputCommand(
    name,
    online,
    (m) => {
      if (online(m)) fail(m);
    },
    (h) => h.send(event),
  );

/** Every command with its weight: time and a healthy handshake matter most. */
const commands: [fc.Arbitrary<Cmd>, number][] = [
  // R5, R19, R25: restart from idle or stopped; R7: attempt at once from backoff; R6: no-op online.
  [wakeUp('connect', ['idle', 'stopped'], { type: 'client.connect' }), 2],
  // R5, R7, R8: like connect, but ignored in stopped.
  [wakeUp('netUp', ['idle'], { type: 'net.up' }), 1],
  [
    fc.constant(
      command(
        'disconnect',
        (m) => {
          // R23-R24: from anywhere to stopped, every timer cancelled; a session says DISCONNECT first.
          if (m.state === 'stopped') return;
          leaveConnected(m, true);
          m.stops++;
          m.state = 'stopped';
          m.timers = [];
        },
        (h) => h.send({ type: 'client.disconnect' }),
      ),
    ),
    1,
  ],
  [configure, 1],
  [
    inputCommand(
      'transportOpened',
      (m) => m.state === 'opening',
      (m) => {
        if (m.state === 'opening') m.state = 'handshaking';
      },
      (h) => h.send({ type: 'transport.opened' }),
    ),
    1,
  ],
  [failureInput('transportError', transportError), 1],
  [failureInput('transportClosed', { type: 'transport.closed' }), 1],
  [failureInput('mqttError', protocolError), 1],
  [
    fc.boolean().chain((sessionPresent) =>
      inputCommand(
        `connackOk(${sessionPresent})`,
        (m) => m.state === 'handshaking',
        (m) => {
          if (m.state === 'handshaking') connected(m);
        },
        (h) => h.send({ type: 'mqtt.connack', returnCode: 0, sessionPresent }),
      ),
    ),
    1,
  ],
  [
    fc.integer({ min: 1, max: 5 }).chain((rc) =>
      inputCommand(
        `connackRefused(${rc})`,
        (m) => m.state === 'handshaking',
        (m) => {
          if (m.state !== 'handshaking') return;
          // R81: under onRefused 'stop' a refusal that will not heal stops the client; else R11.
          if (m.options.onRefused === 'stop' && rc !== 3) {
            m.connectErrors++;
            m.stops++;
            m.state = 'stopped';
            m.timers = [];
          } else fail(m);
        },
        (h) => h.send({ type: 'mqtt.connack', returnCode: rc, sessionPresent: false }),
      ),
    ),
    1,
  ],
  [
    inputCommand(
      'pingresp',
      (m) => m.state === 'connected',
      answerPing,
      (h) => h.send({ type: 'mqtt.pingresp' }),
    ),
    1,
  ],
  [tickArb, 4],
  [elapse, 4],
  [fc.constant(advance), 4],
];

const weighted: fc.Arbitrary<Cmd>[] = commands.flatMap(([arbitrary, weight]) =>
  Array.from({ length: weight }, () => arbitrary),
);

function setup(config: Config): { model: Model; real: Harness } {
  const model: Model = {
    servers: config.servers,
    options: config.options,
    draws: config.draws,
    state: 'idle',
    now: 0,
    current: firstEnabledIndex(config.servers),
    t: 0,
    attempt: 0,
    nominal: 0,
    delay: 0,
    switched: false,
    keepalive: 'off',
    timers: [],
    drawn: 0,
    attempts: 0,
    pingreqs: 0,
    disconnects: 0,
    sessionsUp: 0,
    sessionsDown: 0,
    connectErrors: 0,
    backoffs: 0,
    stops: 0,
  };
  let drawn = 0;
  const random = () => config.draws[drawn++ % config.draws.length] as number;
  return {
    model,
    real: createHarness({ servers: config.servers, options: config.options }, 'actor', random),
  };
}

describe('model-based run of the live actor driver', () => {
  it('R1, R4-R27, R45: after every command the live actor agrees with the spec model (state, server, t, retry delay, transport, timers, effects, emitted events)', () => {
    fc.assert(
      fc.property(configArb, fc.commands(weighted, { maxCommands: 60, size: 'max' }), (config, cmds) => {
        fc.modelRun(() => setup(config), cmds);
      }),
      { numRuns: numRuns(200) },
    );
  });
});
