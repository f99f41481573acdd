/**
 * A statechart under a simulated clock with a fake transport: records every effect, emitted
 * event and journal entry, and checks the one-transport invariant on every open.
 */
import { SimulatedClock } from 'xstate';
import type { ServerTiming } from '../../machines/backoff.js';
import type {
  ConnectionEvent,
  ConnectionInput,
  LifecycleEvent,
  LifecycleOptions,
} from '../../machines/events.js';
import type { JournalEntry } from '../../machines/journal.js';
import { createChartStepDriver } from '../../runtime/chartStepDriver.js';
import { stepWholeChart } from '../../runtime/chartStepV5.js';
import { createActorDriver, type DriverFactory, type LifecycleDriver } from '../../runtime/drivers.js';
import { createStepDriver } from '../../runtime/stepDriver.js';

// The machine tests send MQTT 5 events: the chart kind steps the whole chart, as every client made
// with the MQTT 5 profile does (R364); chartStep.prop.test.ts holds the 3.1.1 base to xstate too.
stepWholeChart();

/** The actor driver, the step driver on xstate's `transition()`, or the step driver on the chart step (R343). */
export type DriverKind = 'actor' | 'step' | 'chart';

const FACTORIES: Readonly<Record<DriverKind, DriverFactory>> = {
  actor: createActorDriver,
  step: createStepDriver,
  chart: createChartStepDriver,
};

/**
 * The `driver` option for a runtime client of that kind, as a factory: only an entry point
 * supplies the actor driver for `'actor'` (spec R230) and xstate's step driver for `'step'` (R343).
 */
export const driverOption = (kind: DriverKind): DriverFactory => FACTORIES[kind];

/** Mongoose-parity options (reset on CONNACK, no timeouts). */
export const mongooseOptions: LifecycleOptions = {
  reset: 'connack',
  stableConnectionMs: 0,
  connectTimeoutMs: 0,
  keepAliveMs: 60_000,
  pingTimeoutMs: 0,
  jitter: 0.1,
};

/** The default profile's options. */
export const defaultOptions: LifecycleOptions = {
  reset: 'stable',
  stableConnectionMs: 30_000,
  connectTimeoutMs: 30_000,
  keepAliveMs: 60_000,
  pingTimeoutMs: 30_000,
  jitter: 0.1,
};

export const server = (name: string, minS: number, maxS: number, enabled = true): ServerTiming => ({
  name,
  enabled,
  minMs: minS * 1000,
  maxMs: maxS * 1000,
});

export interface Harness {
  readonly driver: LifecycleDriver;
  readonly clock: SimulatedClock;
  readonly effects: string[];
  readonly emitted: LifecycleEvent[];
  readonly journal: JournalEntry[];
  readonly violations: string[];
  readonly input: ConnectionInput;
  /** Whether a transport is open, and to which server. */
  openServer(): number | null;
  send(event: ConnectionEvent): void;
  /** Advances simulated time. */
  tick(ms: number): void;
  value(): unknown;
  /** Attempts (openTransport effects) so far, as server indices with the time they happened. */
  attempts(): { server: number; at: number }[];
}

export function createHarness(
  input: ConnectionInput,
  kind: DriverKind = 'actor',
  random: () => number = () => 0.5,
): Harness {
  const clock = new SimulatedClock();
  const effects: string[] = [];
  const emitted: LifecycleEvent[] = [];
  const journal: JournalEntry[] = [];
  const violations: string[] = [];
  const attempts: { server: number; at: number }[] = [];
  let open: number | null = null;
  const host = {
    openTransport: (s: number) => {
      if (open !== null) violations.push(`open ${s} while ${open} is open at ${clock.now()}`);
      open = s;
      attempts.push({ server: s, at: clock.now() });
      effects.push(`open:${s}`);
    },
    closeTransport: () => {
      if (open === null) violations.push(`close with no transport at ${clock.now()}`);
      open = null;
      effects.push('close');
    },
    sendConnect: (s: number) => {
      if (open !== s) violations.push(`CONNECT to ${s} on transport ${open}`);
      effects.push(`connect:${s}`);
    },
    sendPingreq: () => {
      if (open === null) violations.push('PINGREQ with no transport');
      effects.push('pingreq');
    },
    sendDisconnect: () => {
      if (open === null) violations.push('DISCONNECT with no transport');
      effects.push('disconnect');
    },
    sessionUp: (present: boolean) => effects.push(`sessionUp:${present}`),
    sessionDown: () => effects.push('sessionDown'),
    answerAuth: () => effects.push('answerAuth'),
    sendReauth: () => effects.push('sendReauth'),
    random,
    emitted: (event: LifecycleEvent) => emitted.push(event),
  };
  const options = { input, clock, host, record: (entry: JournalEntry) => journal.push(entry) };
  const driver = FACTORIES[kind](options);
  return {
    driver,
    clock,
    effects,
    emitted,
    journal,
    violations,
    input,
    openServer: () => open,
    send: (event) => driver.send(event),
    tick: (ms) => clock.increment(ms),
    value: () => driver.getSnapshot().value,
    attempts: () => attempts,
  };
}

/** Makes the open transport fail to connect. */
export const refuse = (h: Harness): void =>
  h.send({ type: 'transport.error', error: { code: 'TRANSPORT_ERROR', message: 'ECONNREFUSED' } });

/** Completes the handshake of the open transport. */
export const accept = (h: Harness, sessionPresent = false): void => {
  h.send({ type: 'transport.opened' });
  h.send({ type: 'mqtt.connack', returnCode: 0, sessionPresent });
};

/**
 * Gaps between consecutive attempts while every attempt is refused at once: the schedule as the
 * runtime would live it. Returns `[server, gapMs]` for each attempt after the first.
 */
export function refusedSchedule(h: Harness, attempts: number): [string, number][] {
  const out: [string, number][] = [];
  h.send({ type: 'client.connect' });
  for (let i = 0; i < attempts; i++) {
    const before = h.attempts().length;
    const at = h.clock.now();
    refuse(h);
    const delay = h.driver.getSnapshot().context.delayMs;
    h.tick(delay);
    if (h.attempts().length !== before + 1) throw new Error(`no attempt after ${delay} ms`);
    const last = h.attempts()[before] as { server: number; at: number };
    out.push([h.input.servers[last.server]?.name ?? '?', last.at - at]);
  }
  return out;
}
