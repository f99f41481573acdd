/**
 * R63: whatever user code throws, at any point, the session is unaffected. The same script of
 * broker traffic (inbound PUBLISH of every QoS, PUBREL, outbound publishes and their acks, a
 * dropped connection and the reconnect) runs twice on a fake transport: once with every listener
 * well-behaved, once with listeners that throw on a schedule drawn by fast-check. The bytes the
 * client writes, what every listener is handed, every completion and the final state must be the
 * same, and every throw must be reported once as a ListenerError carrying what was thrown.
 */
import fc from 'fast-check';
import type * as mqtt from 'mqtt-packet';
import { config as rxjsConfig } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { ListenerError } from '../errors.js';
import { MqttClient } from '../runtime/client.js';
import { fakeNetwork } from '../test/support/fakeTransport.js';
import { numRuns } from './arbitraries.js';

type Step =
  | { kind: 'inbound'; topic: string; qos: 0 | 1 | 2; id: number }
  | { kind: 'pubrel'; id: number }
  | { kind: 'publish'; qos: 0 | 1 | 2 }
  | { kind: 'ackAll' }
  | { kind: 'reconnect' };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('inbound' as const),
      topic: fc.constantFrom('a/x', 'a/y', 'b/x', 'c'),
      qos: fc.constantFrom<0 | 1 | 2>(0, 1, 2),
      id: fc.integer({ min: 1, max: 6 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('pubrel' as const), id: fc.integer({ min: 1, max: 6 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('publish' as const), qos: fc.constantFrom<0 | 1 | 2>(0, 1, 2) }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'ackAll' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reconnect' as const }) },
);

/** What a throwing callback throws: anything JavaScript allows. */
const thrownValue = fc.oneof(
  fc.string().map((m) => new Error(m)),
  fc.string(),
  fc.constant(undefined),
  fc.constant(null),
  fc.record({ code: fc.nat() }),
);

/** Per callback, which of its calls throw (cycled) and what; empty: it never throws. */
const plan = fc.record({ throws: fc.array(fc.boolean(), { maxLength: 5 }), value: thrownValue });
type Plan = { throws: boolean[]; value: unknown };

const CALLBACKS = [
  'message',
  'message2',
  'event',
  'lifecycle',
  'protocolError',
  'snapshot',
  'observer',
  'rxjs',
  'messages$',
  'done',
] as const;
type Callback = (typeof CALLBACKS)[number];
const plans = fc.record(Object.fromEntries(CALLBACKS.map((c) => [c, plan])) as Record<Callback, typeof plan>);

interface Run {
  written: mqtt.Packet[][];
  seen: Record<Callback, string[]>;
  state: string;
  thrown: unknown[];
  reports: ListenerError[];
  listenerErrorEvents: ListenerError[];
}

// RxJS reports a throwing subscriber through its own global hook (spec R63); collect, never crash.
const rxjsErrors: unknown[] = [];
let previousHook: typeof rxjsConfig.onUnhandledError;
beforeAll(() => {
  previousHook = rxjsConfig.onUnhandledError;
  rxjsConfig.onUnhandledError = (error) => rxjsErrors.push(error);
});
afterAll(async () => {
  // RxJS delivers its reports from 0 ms timers; one queued after them runs after all of them.
  await new Promise((resolve) => setTimeout(resolve, 0));
  rxjsConfig.onUnhandledError = previousHook;
  expect(rxjsErrors.length).toBeGreaterThan(0);
});

function run(steps: readonly Step[], planOf: Record<Callback, Plan> | null): Run {
  const net = fakeNetwork();
  const clock = new SimulatedClock();
  const reports: ListenerError[] = [];
  const client = new MqttClient({
    servers: [{ host: 'p', transport: net.factory, minDelayMs: 10, maxDelayMs: 10, clientId: 'c' }],
    clock,
    jitter: 0,
    onListenerError: (error) => reports.push(error),
  });
  const seen = Object.fromEntries(CALLBACKS.map((c) => [c, []])) as unknown as Record<Callback, string[]>;
  const thrown: unknown[] = [];
  const calls = Object.fromEntries(CALLBACKS.map((c) => [c, 0])) as Record<Callback, number>;
  /** Records the call, then throws if the plan says so. */
  const hit = (callback: Callback, what: string, guarded = true): void => {
    seen[callback].push(what);
    const p = planOf?.[callback];
    const n = calls[callback]++;
    if (p === undefined || p.throws.length === 0 || !p.throws[n % p.throws.length]) return;
    if (guarded) thrown.push(p.value);
    throw p.value;
  };
  const listenerErrorEvents: ListenerError[] = [];
  client.onMessage((m) => hit('message', `${m.topic}:${m.qos}`));
  client.onMessage((m) => hit('message2', m.topic));
  client.onEvent((e) => {
    if (e.type === 'listener.error') listenerErrorEvents.push(e.error);
    else hit('event', e.type);
  });
  client.lifecycle.onLifecycle((e) => hit('lifecycle', e.type));
  client.lifecycle.onProtocolError((e) => hit('protocolError', e.code));
  client.lifecycle.subscribeSnapshots((s) => hit('snapshot', JSON.stringify(s.value)));
  client.addTopicObserver('a/+', 1, { next: (m) => hit('observer', m.topic), error: () => {} });
  // RxJS catches what its subscribers throw itself (not a guarded throw of ours).
  client
    .subscribe('+/x', { qos: 2 })
    .subscribe({ next: (m) => hit('rxjs', m.topic, false), error: () => {} });
  client.messages$.subscribe((m) => hit('messages$', m.topic, false));

  const open = () => {
    const conn = net.connections.at(-1);
    conn?.handlers.onOpen();
    conn?.reply({ cmd: 'connack', returnCode: 0, sessionPresent: false });
  };
  client.connect();
  open();
  let answered = 0;
  let published = 0;
  for (const s of steps) {
    const conn = net.connections.at(-1);
    if (conn === undefined) break;
    switch (s.kind) {
      case 'inbound':
        conn.reply({
          cmd: 'publish',
          topic: s.topic,
          payload: Buffer.from('p'),
          qos: s.qos,
          dup: false,
          retain: false,
          ...(s.qos === 0 ? {} : { messageId: s.id }),
        });
        break;
      case 'pubrel':
        conn.reply({ cmd: 'pubrel', messageId: s.id });
        break;
      case 'publish': {
        const n = published++;
        client.publishNow('out', `m${n}`, s.qos, false, (error) =>
          hit('done', `${n}:${error?.code ?? 'ok'}`),
        );
        break;
      }
      case 'ackAll':
        // The broker answers everything the client wrote on this connection since the last time.
        for (const p of conn.written.slice(answered)) {
          if (p.cmd === 'publish' && p.qos === 1) conn.reply({ cmd: 'puback', messageId: p.messageId ?? 0 });
          if (p.cmd === 'publish' && p.qos === 2) conn.reply({ cmd: 'pubrec', messageId: p.messageId ?? 0 });
          if (p.cmd === 'pubrel') conn.reply({ cmd: 'pubcomp', messageId: p.messageId ?? 0 });
          if (p.cmd === 'subscribe') conn.reply({ cmd: 'suback', messageId: p.messageId ?? 0, granted: [1] });
        }
        answered = conn.written.length;
        break;
      case 'reconnect':
        conn.handlers.onClose();
        clock.increment(10);
        open();
        answered = 0;
        break;
    }
  }
  return {
    written: net.connections.map((c) => c.written),
    seen,
    state: client.state,
    thrown,
    reports,
    listenerErrorEvents,
  };
}

describe('user code that throws (R63)', () => {
  it('leaves acknowledgements, deliveries, completions and state exactly as with well-behaved listeners', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), plans, (steps, planOf) => {
        const calm = run(steps, null);
        const stormy = run(steps, planOf);
        expect(stormy.written).toEqual(calm.written);
        expect(stormy.seen).toEqual(calm.seen);
        expect(stormy.state).toBe(calm.state);
        expect(stormy.state).toBe('connected');
        // Every throw of ours is reported once, in order, carrying what was thrown.
        expect(stormy.reports.map((r) => r.cause)).toEqual(stormy.thrown);
        for (const r of stormy.reports) expect(r).toBeInstanceOf(ListenerError);
        for (const e of stormy.listenerErrorEvents) expect(stormy.reports).toContain(e);
      }),
      { numRuns: numRuns(300) },
    );
  });
});
