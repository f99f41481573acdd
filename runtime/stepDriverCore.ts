/**
 * The step driver: runs the statechart by folding a pure step (a {@link Stepper}: xstate's
 * `transition()` through xstateStep.ts, or the chart step of chartStep.ts), with the runtime owning
 * its timers. No actor system: the smallest footprint per connection. Same results as the actor
 * driver (R45). No xstate import, so the browser's default client carries none (R343).
 *
 * @module
 */

import { ConfigError } from '../errors.js';
import type { ConnectionEvent, ConnectionInput, LifecycleEvent } from '../machines/events.js';
import type { JournalEntry, JournalEvent, StateValue } from '../machines/journalFormat.js';
import { effectOf } from './effects.js';
import type { StepInspectionFactory, StepInspector } from './inspection.js';
import { listen } from './listenerErrors.js';
import type {
  ConnectionSnapshot,
  DriverFactory,
  DriverOptions,
  LifecycleDriver,
  LifecycleHost,
  RuntimeClock,
} from './ports.js';
import type { StepAction, Stepper } from './stepper.js';

/** An event as the driver handles it: an input, a timer's raised event, or `xstate.init`. */
type AnyEventObject = { readonly type: string };

/**
 * A step driver factory on `stepper`: delayed raises become timers on the injected clock and
 * cancels clear them, so the runtime owns all of its timers. `inspection` is used when the
 * options name none (Node's step driver names `stepInspection`; the chart step's none, R367).
 */
export function stepDriverWith(stepper: Stepper, inspection?: StepInspectionFactory): DriverFactory {
  return (options) => new StepDriver(options, stepper, options.inspection ?? inspection);
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
  readonly #stepper: Stepper;
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
  /** The inspection events of an actor (spec R120), made only when an observer is given. */
  readonly #inspection: StepInspector | undefined;
  /** Whether timers keep the process alive (spec R50, R52). */
  #held = true;

  constructor(options: DriverOptions, stepper: Stepper, makeInspection: StepInspectionFactory | undefined) {
    this.#stepper = stepper;
    this.#host = options.host;
    this.#clock = options.clock;
    this.#input = options.input;
    this.#record = options.record;
    const observer = options.inspect;
    // Never a silent observer: the browser entry leaves the inspection out unless passed (R367).
    if (observer !== undefined && makeInspection === undefined)
      throw new ConfigError(
        'inspect',
        "needs the step driver's inspection, which this entry point leaves out: pass inspection: stepInspection",
      );
    const [initial, initialActions] = stepper.initialStep(options.input);
    this.#snapshot = initial;
    const inspection = observer
      ? makeInspection?.(
          observer,
          stepper.logic,
          (event) => this.#deliver(event),
          () => this.#snapshot,
        )
      : undefined;
    this.#inspection = inspection;
    const init = { type: 'xstate.init', input: options.input };
    inspection?.actor();
    inspection?.event(init);
    this.#processing = true;
    for (const action of initialActions) this.#execute(action);
    this.#processing = false;
    inspection?.snapshot(this.#snapshot, init);
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
    return listen(this.#listeners, listener);
  }

  stop(): void {
    this.#stopped = true;
    const timers = this.#timers;
    this.#timers = NO_TIMERS;
    for (let i = 1; i < timers.length; i += 2) this.#clock.clearTimeout(timers[i]);
    this.#queue?.splice(0);
    this.#inspection?.stopped(this.#snapshot);
  }

  ref(): void {
    this.#hold(true);
  }

  unref(): void {
    this.#hold(false);
  }

  #hold(held: boolean): void {
    this.#held = held;
    const clock = this.#clock;
    const timers = this.#timers;
    for (let i = 1; i < timers.length; i += 2) (held ? clock.ref : clock.unref)?.call(clock, timers[i]);
  }

  // Events sent while effects run are queued, as an actor's mailbox does, so they see the new state.
  #deliver(event: AnyEventObject, fromTimer = false): void {
    this.#inspection?.event(event, fromTimer);
    if (this.#stopped) return;
    this.#queue ??= [];
    const queue = this.#queue;
    queue.push(event);
    if (this.#processing) return;
    this.#processing = true;
    try {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        const [nextSnapshot, actions] = this.#stepper.pureStep(this.#snapshot, next, this.#input);
        this.#snapshot = nextSnapshot;
        // After the step, so the entry records the state it led to (spec R96).
        this.#log(next, nextSnapshot.value);
        for (const action of actions) this.#execute(action);
        if (this.#listeners !== undefined) for (const listener of this.#listeners) listener(nextSnapshot);
        this.#inspection?.snapshot(nextSnapshot, next);
      }
    } finally {
      this.#processing = false;
      // An idle driver holds no queue; one left non-empty by a throwing effect is kept, as before.
      if (queue.length === 0 && this.#queue === queue) this.#queue = undefined;
    }
  }

  /** A delayed raise is due. */
  #fire(key: string, event: AnyEventObject): void {
    this.#takeTimer(key);
    this.#deliver(event, true);
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

  #log(event: AnyEventObject, state: StateValue): void {
    if (this.#record === undefined || event.type === 'xstate.init') return;
    this.#record({ seq: ++this.#seq, at: this.#clock.now(), event: event as JournalEvent, state });
  }

  #execute(action: StepAction): void {
    const params = action.params as Record<string, unknown> | undefined;
    const host = this.#host;
    this.#inspection?.action(action.type, params);
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
        // A bound method rather than a closure: an idle client holds two timers, a fleet thousands.
        const handle = this.#clock.setTimeout(this.#fire.bind(this, key, event), delay);
        if (!this.#held) this.#clock.unref?.(handle);
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
      default: {
        // Context assignments are already applied by the pure step; the rest are effects.
        const reply = effectOf(action.type)?.(host, params);
        if (reply !== undefined) {
          // An actor's effect sends its reply to itself: the mailbox, and the inspector, get it now.
          this.#inspection?.event(reply);
          this.#queue ??= [];
          this.#queue.push(reply);
        }
        return;
      }
    }
  }
}
