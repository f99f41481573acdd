/**
 * Two ways to run the connection statechart with identical results (spec R45):
 * - {@link createActorDriver}: a live XState actor (embeddable, inspectable with the Stately inspector);
 * - {@link createStepDriver}: the pure `transition()` folded by hand, the runtime owning its timers
 *   (no actor system: the smallest footprint per connection).
 * Both carry out the machine's effects through one {@link LifecycleHost} and one table,
 * {@link EFFECTS}, and journal every input. The step driver lives in stepDriverCore.ts, on a stepper:
 * xstate's `transition()` (xstateStep.ts, isolating what it needs of xstate's internals) or the
 * chart step (chartStep.ts, no xstate).
 */
import { type AnyEventObject, createActor, type StateValue } from 'xstate';
import { connectionMachine } from '../machines/connection.js';
import type { ConnectionEvent } from '../machines/events.js';
import type { JournalEvent } from '../machines/journal.js';
import { EFFECTS, type Effect, effectOf } from './effects.js';
import { notifyInspector } from './inspection.js';
import type { DriverOptions, LifecycleDriver, LifecycleHost, RuntimeClock } from './ports.js';

export { EFFECTS, effectOf } from './effects.js';

export type {
  ConnectionSnapshot,
  DriverFactory,
  DriverOptions,
  LifecycleDriver,
  LifecycleHost,
} from './ports.js';
// The driver port lives with the other ports (ports.ts), so an entry point can name a driver
// factory among its defaults without an import cycle (spec R230).
export { DRIVER_FACTORY } from './ports.js';

/** A driver's journal: `record` with each input and the state it led to (`xstate.init` is not one). */
export function journaller(options: DriverOptions): (event: AnyEventObject, state: StateValue) => void {
  let seq = 0;
  const { record, clock } = options;
  return (event, state) => {
    if (record === undefined || event.type === 'xstate.init') return;
    seq += 1;
    record({ seq, at: clock.now(), event: event as JournalEvent, state });
  };
}

/**
 * The clock an actor gets: `clock` itself, plus the pending timers it set, so `unref` can reach
 * timers the actor's scheduler holds.
 */
function holdingClock(clock: RuntimeClock): RuntimeClock & { hold(held: boolean): void } {
  const pending = new Set<unknown>();
  let held = true;
  return {
    now: () => clock.now(),
    setTimeout: (fn, ms) => {
      const handle = clock.setTimeout(() => {
        pending.delete(handle);
        fn();
      }, ms);
      pending.add(handle);
      if (!held) clock.unref?.(handle);
      return handle;
    },
    clearTimeout: (handle) => {
      pending.delete(handle);
      clock.clearTimeout(handle);
    },
    hold: (next) => {
      held = next;
      for (const handle of pending) (next ? clock.ref : clock.unref)?.call(clock, handle);
    },
  };
}

/**
 * The connection machine with every effect carried out on `host`; an effect's answer (a random
 * draw) goes back to the actor that ran it. Used by the actor driver and by the embedded client.
 */
export function machineFor(host: LifecycleHost): typeof connectionMachine {
  const actions: Record<
    string,
    (args: { self: { send(event: ConnectionEvent): void } }, params: unknown) => void
  > = {};
  for (const type of Object.keys(EFFECTS)) {
    const effect = effectOf(type) as Effect<unknown>;
    actions[type] = ({ self }, params) => {
      const reply = effect(host, params);
      if (reply !== undefined) self.send(reply);
    };
  }
  return connectionMachine.provide({ actions } as Parameters<typeof connectionMachine.provide>[0]);
}

/** Runs the statechart as a live XState actor with the effects provided per runtime. */
export function createActorDriver(options: DriverOptions): LifecycleDriver {
  const { host } = options;
  const log = journaller(options);
  const clock = holdingClock(options.clock);
  const machine = machineFor(host);
  const actor = createActor(machine, {
    input: options.input,
    clock,
    inspect: (inspectionEvent) => {
      // After the step, so the entry records the state it led to (spec R96).
      if (inspectionEvent.type === '@xstate.snapshot' && inspectionEvent.actorRef === actor)
        log(inspectionEvent.event, (inspectionEvent.snapshot as unknown as { value: StateValue }).value);
      if (options.inspect !== undefined) notifyInspector(options.inspect, inspectionEvent);
    },
  });
  actor.on('*', (event) => host.emitted(event));
  actor.start();
  return {
    send: (event) => actor.send(event),
    getSnapshot: () => actor.getSnapshot(),
    subscribe: (listener) => {
      const subscription = actor.subscribe(listener);
      return () => subscription.unsubscribe();
    },
    stop: () => actor.stop(),
    ref: () => clock.hold(true),
    unref: () => clock.hold(false),
  };
}
