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
import { connectionMachine } from '../machines/connection.js';
import type { ConnectionEvent, ConnectionInput, LifecycleEvent } from '../machines/events.js';
import type { JournalEntry, JournalEvent } from '../machines/journal.js';
import type { RuntimeClock } from './ports.js';

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

// XState rebuilds its snapshot on every step and never changes one in place (it copies first), so
// the parts that many clients have alike can be single shared objects: an idle client then holds
// no state-value tree, active-node list, empty `tags` Set, `children` or `historyValue` of its own.
const NO_TAGS: ConnectionSnapshot['tags'] = new Set();
const NO_CHILDREN: ConnectionSnapshot['children'] = {};
const NO_HISTORY: ConnectionSnapshot['historyValue'] = {};
/** State configurations seen so far, by their ordered node ids: the machine has few of them. */
const configurations = new Map<string, Pick<ConnectionSnapshot, '_nodes' | 'value'>>();
const MAX_CONFIGURATIONS = 256;

/** Replaces the parts of a fresh snapshot that equal shared ones by those; returns it. */
function shareParts(snapshot: ConnectionSnapshot): ConnectionSnapshot {
  if (snapshot.tags.size === 0) snapshot.tags = NO_TAGS;
  if (isEmpty(snapshot.children)) snapshot.children = NO_CHILDREN;
  if (isEmpty(snapshot.historyValue)) snapshot.historyValue = NO_HISTORY;
  // The value follows from the active nodes, so one key covers both.
  let key = '';
  for (const node of snapshot._nodes) key += `${node.id} `;
  const known = configurations.get(key);
  if (known !== undefined) {
    snapshot._nodes = known._nodes;
    snapshot.value = known.value;
  } else if (configurations.size < MAX_CONFIGURATIONS) {
    configurations.set(key, { _nodes: snapshot._nodes, value: snapshot.value });
  }
  return snapshot;
}

function isEmpty(record: object): boolean {
  for (const _ in record) return false;
  return true;
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
  // An unchanged snapshot comes back as it was, already shared.
  return [next === snapshot ? next : shareParts(next), actions];
}

/**
 * Runs the statechart by folding the pure `transition()`: delayed raises become timers on the
 * injected clock and cancels clear them, so the runtime owns all of its timers.
 */
export function createStepDriver(options: DriverOptions): LifecycleDriver {
  return new StepDriver(options);
}

const NO_TIMERS: readonly unknown[] = [];

/**
 * The step driver. A class, not a bundle of closures, and its tables are made on first use:
 * many idle clients in one process each pay for one small object, not for a closure context,
 * a dozen closures and empty hash tables.
 */
class StepDriver implements LifecycleDriver {
  readonly #host: LifecycleHost;
  readonly #clock: RuntimeClock;
  readonly #input: ConnectionInput;
  readonly #record: ((entry: JournalEntry) => void) | undefined;
  #seq = 0;
  #snapshot: ConnectionSnapshot;
  /**
   * Pending delayed raises as `[id, handle, id, handle, ...]`: there are a few, changing a few
   * times per connection, and an exact-size array costs an idle client far less than a Map.
   */
  #timers: readonly unknown[] = NO_TIMERS;
  #listeners: Set<(snapshot: ConnectionSnapshot) => void> | undefined;
  /** Events waiting for the running step; undefined outside of one. */
  #queue: AnyEventObject[] | undefined;
  #processing = false;
  #stopped = false;

  constructor(options: DriverOptions) {
    this.#host = options.host;
    this.#clock = options.clock;
    this.#input = options.input;
    this.#record = options.record;
    const initialActions: StepAction[] = [];
    collected = initialActions;
    this.#snapshot = shareParts(connectionMachine.getInitialSnapshot(scope(options.input), options.input));
    this.#processing = true;
    for (const action of initialActions) this.#execute(action);
    this.#processing = false;
    const first = this.#queue?.shift();
    if (first !== undefined) this.#deliver(first);
  }

  send(event: ConnectionEvent): void {
    this.#deliver(event);
  }

  getSnapshot(): ConnectionSnapshot {
    return this.#snapshot;
  }

  subscribe(listener: (snapshot: ConnectionSnapshot) => void): () => void {
    this.#listeners ??= new Set();
    const listeners = this.#listeners;
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  stop(): void {
    this.#stopped = true;
    const timers = this.#timers;
    this.#timers = NO_TIMERS;
    for (let i = 1; i < timers.length; i += 2) this.#clock.clearTimeout(timers[i]);
    if (this.#queue !== undefined) this.#queue.length = 0;
  }

  // Events sent while effects run are queued, as an actor's mailbox does, so they see the new state.
  #deliver(event: AnyEventObject): void {
    if (this.#stopped) return;
    this.#queue ??= [];
    const queue = this.#queue;
    queue.push(event);
    if (this.#processing) return;
    this.#processing = true;
    try {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        this.#log(next);
        const [nextSnapshot, actions] = step(this.#snapshot, next, this.#input);
        this.#snapshot = nextSnapshot;
        for (const action of actions) this.#execute(action);
        if (this.#listeners !== undefined) for (const listener of this.#listeners) listener(nextSnapshot);
      }
    } finally {
      this.#processing = false;
      // An idle driver holds no queue; one left non-empty by a throwing effect is kept, as before.
      if (queue.length === 0 && this.#queue === queue) this.#queue = undefined;
    }
  }

  /** Removes the timer of delayed raise `key` and returns its handle (undefined when none). */
  #takeTimer(key: string): unknown {
    const timers = this.#timers;
    for (let i = 0; i < timers.length; i += 2) {
      if (timers[i] !== key) continue;
      this.#timers = timers.length === 2 ? NO_TIMERS : timers.slice(0, i).concat(timers.slice(i + 2));
      return timers[i + 1];
    }
    return undefined;
  }

  #log(event: AnyEventObject): void {
    if (this.#record === undefined || event.type === 'xstate.init') return;
    this.#seq += 1;
    this.#record({ seq: this.#seq, at: this.#clock.now(), event: event as JournalEvent });
  }

  #execute(action: StepAction): void {
    const params = action.params as Record<string, unknown> | undefined;
    const host = this.#host;
    switch (action.type) {
      case 'xstate.raise': {
        const { event, id, delay } = params as { event: AnyEventObject; id?: string; delay?: number };
        if (typeof delay !== 'number') {
          this.#queue ??= [];
          this.#queue.push(event);
          return;
        }
        const key = id ?? event.type;
        this.#clock.clearTimeout(this.#takeTimer(key));
        const handle = this.#clock.setTimeout(() => {
          this.#takeTimer(key);
          this.#deliver(event);
        }, delay);
        // One array argument, so a handle that is itself an array is kept whole.
        this.#timers = this.#timers.concat([key, handle]);
        return;
      }
      case 'xstate.cancel': {
        this.#clock.clearTimeout(this.#takeTimer((params as { sendId: string }).sendId));
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
        this.#queue ??= [];
        this.#queue.push({ type: 'random.drawn', value: host.random() });
        return;
      default:
        // Context assignments are already applied by the pure step.
        return;
    }
  }
}
