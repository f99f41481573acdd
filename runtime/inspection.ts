/**
 * XState inspection for the step driver: the `@xstate.*` events a live actor would send its
 * `inspect` observer for the connection machine, so inspectors written for actors (the Stately
 * inspector, `@statelyai/inspect`'s `createInspector`, the demo page) see a step-driven client the
 * same way (spec R120-R121). Made only when an observer is given: without one it costs nothing.
The step driver does not import it: an entry point (Node's `nodeDefaults`) or the app
(`inspection: stepInspection` with the browser entry) passes {@link stepInspection}, so a browser
client that never inspects leaves this module out of its bundle (spec R367).
 *
 * @module
 */
import type { ActorOptions, AnyActorLogic, AnyEventObject, InspectionEvent, Snapshot } from 'xstate';

/** An XState inspection observer, as `createActor(logic, { inspect })` takes it. */
export type InspectObserver = NonNullable<ActorOptions<AnyActorLogic>['inspect']>;

/** Calls `observer` with `event`, whether it is a function or an observer object. */
export function notifyInspector(observer: InspectObserver, event: InspectionEvent): void {
  if (typeof observer === 'function') observer(event);
  else observer.next?.(event);
}

/**
 * What an inspector reads from `actorRef`: `sessionId`, `send` and `getSnapshot` (xstate's
 * `ActorRefLike`), plus `id` and `logic` (the machine, or for the chart step an object with
 * the same `config`: what inspectors draw).
 */
export interface InspectedRef {
  readonly id: string;
  readonly sessionId: string;
  readonly logic: { readonly config: object };
  readonly _parent: undefined;
  send(event: AnyEventObject): void;
  getSnapshot(): object;
}

/** An inspection event before the actor fields are filled in (distributes over the union). */
type Unrooted = InspectionEvent extends infer E
  ? E extends InspectionEvent
    ? Omit<E, 'rootId' | 'actorRef'>
    : never
  : never;

// xstate numbers actors per actor system (`x:0` for each root actor); step-driven clients share
// one process, so theirs are numbered across it to stay apart in an inspector.
let nextSession = 0;

/** The fields of xstate's snapshot `toJSON()`, in its order, for a snapshot that has none. */
function xstateJson(this: { status: unknown; context: unknown; value: unknown }): object {
  const none = undefined;
  return {
    status: this.status,
    output: none,
    error: none,
    context: this.context,
    value: this.value,
    children: {},
    historyValue: {},
    tags: [],
  };
}

/**
 * `snapshot` as an inspector serialises it: xstate's own as it is; the chart step's (which has no
 * `toJSON()`, spec R368) seen through an object that reads through to it and adds xstate's.
 */
function serialisable(snapshot: object): object {
  return 'toJSON' in snapshot
    ? snapshot
    : Object.assign(Object.create(snapshot) as object, { toJSON: xstateJson });
}

/** Sends a step driver's inspection events, shaped as a root actor's. */
export class StepInspection implements StepInspector {
  readonly ref: InspectedRef;
  readonly #observer: InspectObserver;

  constructor(
    observer: InspectObserver,
    logic: { readonly config: object },
    send: (event: AnyEventObject) => void,
    getSnapshot: () => object,
  ) {
    this.#observer = observer;
    const sessionId = `step:${nextSession++}`;
    this.ref = {
      id: sessionId,
      sessionId,
      logic,
      _parent: undefined,
      send,
      getSnapshot: () => serialisable(getSnapshot()),
    };
  }

  #emit(event: Unrooted): void {
    notifyInspector(this.#observer, {
      ...event,
      actorRef: this.ref,
      rootId: this.ref.sessionId,
    } as InspectionEvent);
  }

  /** The actor exists (sent first, as an actor's constructor does). */
  actor(): void {
    this.#emit({ type: '@xstate.actor' });
  }

  /** An event reached the mailbox; `fromSelf` for delayed events the machine raised itself. */
  event(event: AnyEventObject, fromSelf = false): void {
    this.#emit({ type: '@xstate.event', event, sourceRef: fromSelf ? this.ref : undefined });
  }

  /** An action is about to be carried out. */
  action(type: string, params: unknown): void {
    this.#emit({ type: '@xstate.action', action: { type, params } });
  }

  /** The state after processing `event`. */
  snapshot(snapshot: object, event: AnyEventObject): void {
    this.#emit({ type: '@xstate.snapshot', snapshot: serialisable(snapshot) as Snapshot<unknown>, event });
  }

  /** The driver stopped: the last snapshot, marked stopped, as an actor's `stop()` reports it. */
  stopped(snapshot: object): void {
    // A copy on the same prototype: xstate's snapshot serialises through its `toJSON()`.
    const stopped = Object.assign(Object.create(Object.getPrototypeOf(snapshot)) as object, snapshot, {
      status: 'stopped',
    });
    this.snapshot(stopped, { type: 'xstate.stop' });
  }
}

/** What the step driver tells its inspection as it runs (spec R120): each becomes `@xstate.*` events. */
export interface StepInspector {
  /** The actor exists (sent first, as an actor's constructor does). */
  actor(): void;
  /** An event reached the mailbox; `fromSelf` for delayed events the machine raised itself. */
  event(event: AnyEventObject, fromSelf?: boolean): void;
  /** An action is about to be carried out. */
  action(type: string, params: unknown): void;
  /** The state after processing `event`. */
  snapshot(snapshot: object, event: AnyEventObject): void;
  /** The driver stopped, in `snapshot`. */
  stopped(snapshot: object): void;
}

/**
 * Makes a step driver's inspection for `observer`: what the `inspection` option takes (spec
 * R367). `logic` is what inspectors are shown as the actor's definition; `send` and `getSnapshot`
 * are the driver's, for the inspected actor reference.
 */
export type StepInspectionFactory = (
  observer: InspectObserver,
  logic: { readonly config: object },
  send: (event: AnyEventObject) => void,
  getSnapshot: () => object,
) => StepInspector;

/**
 * The step driver's inspection, for the `inspection` option: with it the step driver sends an
 * `inspect` observer what a live actor would (spec R120, R348). The Node entry wires it by
 * default; with the browser entry pass `inspection: stepInspection` next to `inspect` (R367).
 */
export const stepInspection: StepInspectionFactory = (observer, logic, send, getSnapshot) =>
  new StepInspection(observer, logic, send, getSnapshot);
