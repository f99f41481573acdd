/**
 * Two ways to run the connection statechart with identical results (spec R45):
 * - {@link createActorDriver}: a live XState actor (embeddable, inspectable with the Stately inspector);
 * - {@link createStepDriver}: the pure `transition()` folded by hand, the runtime owning its timers
 *   (no actor system: the smallest footprint per connection).
 * Both carry out the machine's effects through one {@link LifecycleHost} and journal every input.
 */
import {
  type ActorOptions,
  type AnyActorLogic,
  type AnyEventObject,
  createActor,
  type EventFromLogic,
  type SnapshotFrom,
} from 'xstate';
import type { RuntimeClock } from '../adapters/clock.js';
import { connectionMachine } from '../machines/connection.js';
import type { ConnectionEvent, ConnectionInput, LifecycleEvent } from '../machines/events.js';
import type { JournalEntry, JournalEvent } from '../machines/journal.js';

/** What the statechart's effects do in a runtime. */
export interface LifecycleHost {
  /** Open a transport to server `server` (index into the ring). */
  openTransport(server: number): void;
  /** Close the current transport, flushing what was written. */
  closeTransport(): void;
  /** Write CONNECT for server `server`. */
  sendConnect(server: number): void;
  /** Write PINGREQ. */
  sendPingreq(): void;
  /** Write DISCONNECT. */
  sendDisconnect(): void;
  /** The MQTT session is up (CONNACK rc=0). */
  sessionUp(sessionPresent: boolean): void;
  /** The MQTT session is gone. */
  sessionDown(): void;
  /** A uniform draw in [0, 1). */
  random(): number;
  /** A lifecycle event for users. */
  emitted(event: LifecycleEvent): void;
}

/** The state a driver exposes. */
export type ConnectionSnapshot = SnapshotFrom<typeof connectionMachine>;

/** A running statechart. */
export interface LifecycleDriver {
  /** Delivers an input event (it is journalled). */
  send(event: ConnectionEvent): void;
  /** The current snapshot. */
  getSnapshot(): ConnectionSnapshot;
  /** Registers a listener for every new snapshot; returns an unsubscribe function. */
  subscribe(listener: (snapshot: ConnectionSnapshot) => void): () => void;
  /** Stops the driver and cancels its timers (no effects are run). */
  stop(): void;
}

/** Options shared by both drivers. */
export interface DriverOptions {
  /** The machine's input. */
  readonly input: ConnectionInput;
  /** The clock for timers and journal timestamps. */
  readonly clock: RuntimeClock;
  /** The effects. */
  readonly host: LifecycleHost;
  /** Called with every input as it is processed. @default no journal */
  readonly record?: (entry: JournalEntry) => void;
  /** An XState inspection observer (actor driver only). @default none */
  readonly inspect?: ActorOptions<AnyActorLogic>['inspect'];
}

function journaller(options: DriverOptions): (event: AnyEventObject) => void {
  let seq = 0;
  const { record, clock } = options;
  return (event) => {
    if (record === undefined || event.type === 'xstate.init') return;
    seq += 1;
    record({ seq, at: clock.now(), event: event as JournalEvent });
  };
}

/** Runs the statechart as a live XState actor with the effects provided per runtime. */
export function createActorDriver(options: DriverOptions): LifecycleDriver {
  const { host } = options;
  const log = journaller(options);
  const machine = connectionMachine.provide({
    actions: {
      openTransport: (_, params) => host.openTransport(params.server),
      closeTransport: () => host.closeTransport(),
      sendConnect: (_, params) => host.sendConnect(params.server),
      sendPingreq: () => host.sendPingreq(),
      sendDisconnect: () => host.sendDisconnect(),
      sessionUp: (_, params) => host.sessionUp(params.sessionPresent),
      sessionDown: () => host.sessionDown(),
      drawRandom: ({ self }) => self.send({ type: 'random.drawn', value: host.random() }),
    },
  });
  const actor = createActor(machine, {
    input: options.input,
    clock: options.clock,
    inspect: (inspectionEvent) => {
      if (inspectionEvent.type === '@xstate.event' && inspectionEvent.actorRef === actor)
        log(inspectionEvent.event);
      if (typeof options.inspect === 'function') options.inspect(inspectionEvent);
      else options.inspect?.next?.(inspectionEvent);
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
  };
}

/** An action as the pure step returns it. */
interface StepAction {
  readonly type: string;
  readonly params?: unknown;
}

type Scope = Parameters<typeof connectionMachine.transition>[2];
let sharedScope: Scope | undefined;
let collected: StepAction[] = [];

/**
 * One inert actor scope for every step driver. xstate's own `transition()` builds a throwaway
 * actor per call (about 20 us, and a context factory run without input); the scope is only read
 * while a step runs and steps never nest, so one scope whose action collector is swapped per
 * step serves all clients. The same thing xstate's pure `transition()` does, without the rebuild.
 */
function scope(input: ConnectionInput): Scope {
  if (sharedScope !== undefined) return sharedScope;
  const self = createActor(connectionMachine, { input });
  sharedScope = {
    // The actor is never started: it is only the identity the pure step reads.
    self: self as unknown as Scope['self'],
    id: '',
    sessionId: '',
    logger: () => {},
    defer: () => {},
    emit: () => {},
    system: self.system,
    stopChild: () => {},
    actionExecutor: (action) => {
      collected.push(action);
    },
  };
  return sharedScope;
}

/** The pure step: next snapshot and the actions to carry out. */
function step(
  snapshot: ConnectionSnapshot,
  event: AnyEventObject,
  input: ConnectionInput,
): [ConnectionSnapshot, StepAction[]] {
  const actions: StepAction[] = [];
  collected = actions;
  const next = connectionMachine.transition(
    snapshot,
    event as EventFromLogic<typeof connectionMachine>,
    scope(input),
  );
  return [next, actions];
}

/**
 * Runs the statechart by folding the pure `transition()`: delayed raises become timers on the
 * injected clock and cancels clear them, so the runtime owns all of its timers.
 */
export function createStepDriver(options: DriverOptions): LifecycleDriver {
  const { host, clock } = options;
  const log = journaller(options);
  const timers = new Map<string, unknown>();
  const listeners = new Set<(snapshot: ConnectionSnapshot) => void>();
  const queue: AnyEventObject[] = [];
  let processing = false;
  let stopped = false;

  const execute = (action: StepAction): void => {
    const params = action.params as Record<string, unknown> | undefined;
    switch (action.type) {
      case 'xstate.raise': {
        const { event, id, delay } = params as { event: AnyEventObject; id?: string; delay?: number };
        if (typeof delay !== 'number') {
          queue.push(event);
          return;
        }
        const key = id ?? event.type;
        clock.clearTimeout(timers.get(key));
        timers.set(
          key,
          clock.setTimeout(() => {
            timers.delete(key);
            deliver(event);
          }, delay),
        );
        return;
      }
      case 'xstate.cancel': {
        const key = (params as { sendId: string }).sendId;
        clock.clearTimeout(timers.get(key));
        timers.delete(key);
        return;
      }
      case 'xstate.emit':
        host.emitted((params as { event: LifecycleEvent }).event);
        return;
      case 'openTransport':
        host.openTransport((params as { server: number }).server);
        return;
      case 'closeTransport':
        host.closeTransport();
        return;
      case 'sendConnect':
        host.sendConnect((params as { server: number }).server);
        return;
      case 'sendPingreq':
        host.sendPingreq();
        return;
      case 'sendDisconnect':
        host.sendDisconnect();
        return;
      case 'sessionUp':
        host.sessionUp((params as { sessionPresent: boolean }).sessionPresent);
        return;
      case 'sessionDown':
        host.sessionDown();
        return;
      case 'drawRandom':
        queue.push({ type: 'random.drawn', value: host.random() });
        return;
      default:
        // Context assignments are already applied by the pure step.
        return;
    }
  };

  const initialActions: StepAction[] = [];
  collected = initialActions;
  let snapshot = connectionMachine.getInitialSnapshot(scope(options.input), options.input);

  // Events sent while effects run are queued, as an actor's mailbox does, so they see the new state.
  function deliver(event: AnyEventObject): void {
    if (stopped) return;
    queue.push(event);
    if (processing) return;
    processing = true;
    try {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        log(next);
        const [nextSnapshot, actions] = step(snapshot, next, options.input);
        snapshot = nextSnapshot;
        for (const action of actions) execute(action);
        for (const listener of listeners) listener(snapshot);
      }
    } finally {
      processing = false;
    }
  }

  processing = true;
  for (const action of initialActions) execute(action);
  processing = false;
  if (queue.length > 0) deliver(queue.shift() as AnyEventObject);

  return {
    send: (event) => deliver(event),
    getSnapshot: () => snapshot,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop: () => {
      stopped = true;
      for (const handle of timers.values()) clock.clearTimeout(handle);
      timers.clear();
      queue.length = 0;
    },
  };
}
