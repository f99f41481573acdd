import { createInspector, type StatelyInspectionEvent } from '@statelyai/inspect';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type InspectionEvent, SimulatedClock } from 'xstate';
import { fakeNetwork } from '../test/support/fakeTransport.js';
import { defaultOptions, driverOption, server } from '../test/support/lifecycleHarness.js';
import { createChartStepDriver } from './chartStepDriver.js';
import { createActorDriver, type LifecycleHost } from './drivers.js';
import { type InspectObserver, stepInspection } from './inspection.js';
import { LifecycleClient } from './lifecycleClient.js';
import { createStepDriver } from './stepDriver.js';

const quietHost: LifecycleHost = {
  openTransport: () => {},
  closeTransport: () => {},
  sendConnect: () => {},
  sendPingreq: () => {},
  sendDisconnect: () => {},
  sessionUp: () => {},
  sessionDown: () => {},
  random: () => 0.5,
  emitted: () => {},
};

const connack = { cmd: 'connack', returnCode: 0, sessionPresent: false } as const;

/**
 * One client's life through the whole runtime: refused, backoff, connected, a ping round trip,
 * the broker gone, backoff again, reconnected, a reconfiguration, then disconnect and stop.
 */
function live(driver: 'actor' | 'step' | 'chart', inspect: InspectObserver) {
  const net = fakeNetwork();
  const clock = new SimulatedClock();
  const client = new LifecycleClient({
    servers: [{ host: 'p', transport: net.factory, minDelayMs: 1000, maxDelayMs: 4000 }],
    clock,
    driver: driverOption(driver),
    inspect,
    // The runtime alone, as the browser entry, inspects a step driver only when told how (R367).
    inspection: stepInspection,
    random: () => 0.25,
    keepAliveSec: 10,
  });
  const last = () => net.connections.at(-1);
  client.connect();
  last()?.handlers.onError({ code: 'TRANSPORT_ERROR', message: 'ECONNREFUSED' });
  clock.increment(client.getSnapshot().context.delayMs);
  last()?.handlers.onOpen();
  last()?.reply(connack);
  clock.increment(10_000);
  last()?.reply({ cmd: 'pingresp' });
  last()?.handlers.onClose();
  clock.increment(client.getSnapshot().context.delayMs);
  last()?.handlers.onOpen();
  last()?.reply(connack);
  client.configure({ keepAliveSec: 20 });
  void client.disconnect();
  return client;
}

/** What an inspector can see of an event, without the actor's identity or object references. */
function visible(event: InspectionEvent, self: string) {
  const own = event.actorRef.sessionId === self && event.rootId === self;
  switch (event.type) {
    case '@xstate.actor':
      return { type: event.type, own };
    case '@xstate.event':
      return { type: event.type, own, event: event.event, fromSelf: event.sourceRef?.sessionId === self };
    case '@xstate.action':
      return { type: event.type, own, action: event.action };
    case '@xstate.snapshot':
      return {
        type: event.type,
        own,
        event: event.event,
        snapshot: JSON.parse(JSON.stringify(event.snapshot)),
      };
    default:
      // Microsteps carry xstate's internal transition objects; the step driver does not send them.
      return undefined;
  }
}

function stream(driver: 'actor' | 'step' | 'chart') {
  const events: InspectionEvent[] = [];
  const client = live(driver, (event) => events.push(event));
  const self = events[0]?.actorRef.sessionId ?? '';
  return { client, events: events.map((e) => visible(e, self)).filter((e) => e !== undefined) };
}

describe('inspection (spec R120-R121)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('the step driver sends the inspection events the actor driver sends, in the same order (R120)', () => {
    const actor = stream('actor');
    const step = stream('step');
    expect(step.events).toEqual(actor.events);
    // The chart step driver (no xstate: the browser's default) sends them too (R348).
    expect(stream('chart').events).toEqual(actor.events);
    // The stream tells the whole story: it could be empty or stop early, and is neither.
    const values = step.events.flatMap((e) => (e.type === '@xstate.snapshot' ? [e.snapshot.value] : []));
    expect(values[0]).toBe('idle');
    expect(values).toContainEqual({ backoff: 'waiting' });
    expect(values).toContainEqual({
      online: { connected: { keepalive: 'pinging', stability: 'settling', delivery: 'ready', auth: 'idle' } },
    });
    expect(values.at(-1)).toBe('stopped');
    expect(step.events.filter((e) => e.type === '@xstate.event' && e.fromSelf).length).toBeGreaterThan(0);
  });

  it('stopping a driver reports its last snapshot as stopped, as stopping an actor does', () => {
    const run = (create: typeof createActorDriver) => {
      const events: InspectionEvent[] = [];
      const driver = create({
        input: { servers: [server('a', 1, 4)], options: defaultOptions },
        clock: new SimulatedClock(),
        host: quietHost,
        inspect: (event) => events.push(event),
        inspection: stepInspection,
      });
      driver.send({ type: 'client.connect' });
      driver.stop();
      const self = events[0]?.actorRef.sessionId ?? '';
      return events.map((e) => visible(e, self)).filter((e) => e !== undefined);
    };
    const step = run(createStepDriver);
    expect(step).toEqual(run(createActorDriver));
    expect(run(createChartStepDriver)).toEqual(step);
    expect(step.at(-1)).toMatchObject({ snapshot: { status: 'stopped' }, event: { type: 'xstate.stop' } });
  });

  it('an observer object works as well as a function, and the actor is announced first', () => {
    const seen: string[] = [];
    live('step', { next: (event) => seen.push(event.type) });
    expect(seen[0]).toBe('@xstate.actor');
    expect(seen).toContain('@xstate.snapshot');
  });

  it("@statelyai/inspect's createInspector sees the same with any driver, the chart step's included (R121, R348)", () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const run = (driver: 'actor' | 'step' | 'chart') => {
      const sent: StatelyInspectionEvent[] = [];
      const inspector = createInspector({ send: (event) => sent.push(event) });
      live(driver, inspector.inspect);
      // The inspector converts on an idle callback (setTimeout in Node).
      vi.runAllTimers();
      // Identity and time differ by construction; the rest is what the viewer shows.
      return sent.map(({ createdAt: _c, id: _i, sessionId: _s, rootId: _r, ...rest }) =>
        JSON.parse(
          JSON.stringify('sourceId' in rest ? { ...rest, sourceId: rest.sourceId !== undefined } : rest),
        ),
      ) as StatelyInspectionEvent[];
    };
    const actor = run('actor');
    const step = run('step');
    expect(step).toEqual(actor);
    // The chart step shows the inspector the chart itself as the definition, and the same snapshots.
    expect(run('chart')).toEqual(actor);
    const announced = step[0] as Extract<StatelyInspectionEvent, { type: '@xstate.actor' }>;
    expect(announced).toMatchObject({ type: '@xstate.actor', name: 'conn' });
    // The definition is the machine itself, which the Stately viewer draws.
    expect(JSON.parse(announced.definition ?? '{}')).toMatchObject({ id: 'conn', initial: 'idle' });
    expect(step.filter((e) => e.type === '@xstate.snapshot').length).toBeGreaterThan(10);
  });
});
