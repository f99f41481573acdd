/**
 * The ports the runtime owns: what it needs from the outside world, as interfaces. Adapters
 * (adapters/transports/, adapters/clocks/) implement them; entry points wire the defaults. The
 * runtime imports nothing from adapters/ (see docs/architecture.md). The transport port is
 * declared in `transportPort.ts` and re-exported here.
 *
 * @module
 */
import type { ErrorData } from '../errors.js';
import type { ConnectionEvent, ConnectionInput, LifecycleEvent } from '../machines/events.js';
import type { ConnectionContext } from '../machines/implementations.js';
import type { JournalEntry, StateValue } from '../machines/journalFormat.js';
import type { StoreRecovery } from '../protocol/sessionLog.js';
import type { InspectObserver, StepInspectionFactory } from './inspection.js';
import type { TransportFactory, TransportScheme } from './transportPort.js';

export { RESERVE_FULL } from '../protocol/reserveFull.js';
export type {
  TlsOptions,
  Transport,
  TransportFactory,
  TransportHandlers,
  TransportScheme,
  TransportTarget,
} from './transportPort.js';

/**
 * A clock: the only way time enters mqtt-lifeline. XState's `Clock` (setTimeout / clearTimeout)
 * plus `now()` for journal timestamps; the statechart's timers and the journal's timestamps both
 * come from one injected clock, so a simulated clock drives everything.
 */
export interface RuntimeClock {
  /** Milliseconds on this clock's timeline (monotonic for the system clock). */
  now(): number;
  /**
   * Wall-clock milliseconds since the Unix epoch (`Date.now()` for the system clock): the one
   * reading that means the same in the next process, for a Message Expiry Interval that runs
   * while the process is down (spec R304).
   * @default `now()`: a simulated clock's timeline stands for the wall clock
   */
  wallNow?(): number;
  /** Calls `fn` after `ms` milliseconds of this clock's time; returns a handle for `clearTimeout`. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a pending `setTimeout`. */
  clearTimeout(handle: unknown): void;
  /**
   * Lets a pending timer keep the process alive again (Node's `timeout.ref()`). Clocks of
   * runtimes without a process to hold (browsers, simulated time) leave it out.
   */
  ref?(handle: unknown): void;
  /** Stops a pending timer from keeping the process alive (Node's `timeout.unref()`). */
  unref?(handle: unknown): void;
}

/**
 * What an entry point plugs into the runtime's ports when the options name none: `mqtt-lifeline`
 * wires Node's TCP transport and the system clock; a browser entry wires its own.
 */
export interface RuntimeDefaults {
  /** The transport for servers that name none. */
  readonly transport: TransportFactory;
  /** The clock when the options name none. */
  readonly clock: RuntimeClock;
  /** The trace's logger when the options name none (Node: `NODE_DEBUG=mqtt-lifeline`). @default none */
  readonly logger?: Logger;
  /** What turns a logger into trace lines when the options name none (Node: `createTracer`). @default none */
  readonly tracer?: TracerFactory;
  /**
   * The driver that `driver: 'actor'` means (Node: `createActorDriver`); an entry point that
   * leaves it out keeps the actor driver out of its bundle (spec R230). @default none
   */
  readonly actorDriver?: DriverFactory;
  /**
   * The driver that `driver: 'step'` (and no `driver`) means (Node: `createStepDriver`, on
   * xstate's `transition()` with its memo). @default the chart step driver, which carries no
   * xstate (the browser's, spec R343)
   */
  readonly stepDriver?: DriverFactory;
  /**
   * What restores an `MqttClient`'s session from its store (Node: `attachStore`); an entry point
   * that leaves it out keeps store recovery out of its bundle (spec R231). @default none
   */
  readonly storeRecovery?: StoreRecovery;
  /**
   * The MQTT 5 wire profile (spec R235), when the entry point carries it: Node's does; the
   * browser's leaves it out to stay small, so there `protocolVersion: 5` is a `ConfigError`.
   * @default none
   */
  readonly mqtt5?: Mqtt5Profile;
  /**
   * What lets the step driver send an `inspect` observer its events (Node: `stepInspection`); an
   * entry point that leaves it out keeps it out of its bundle (spec R367). @default none
   */
  readonly inspection?: StepInspectionFactory;
}

/**
 * What a client needs to speak MQTT 5 (the runtime's `V5_PROFILE`), opaque here so the ports name
 * no protocol module.
 */
export interface Mqtt5Profile {
  /** Always 5. */
  readonly version: 5;
}

/**
 * Receives the opt-in trace, one line per call, no trailing newline (spec R90-R93). Lines never
 * contain a payload, a user name or a password.
 */
export type Logger = (line: string) => void;

/**
 * The trace's hooks in the runtime (spec R90-R93): what a connection tells its tracer. An entry
 * point supplies the factory, so a bundle that never traces (the browser's) carries none of it.
 */
export interface Tracer {
  /** A lifecycle event, with the server ring its `serverIndex` points into. */
  lifecycle(event: LifecycleEvent, servers: readonly TracedServer[]): void;
  /**
   * A packet the decoder produced (an `InboundPacket`; typed by its `cmd` alone here, so the ports
   * stay free of the codec's types).
   */
  inbound(packet: { readonly cmd: string }): void;
  /** The connection is closed for a protocol error. */
  protocolError(error: ErrorData): void;
  /** The transport to use instead of `factory`, tracing what it writes, its errors and closes. */
  wrap(factory: TransportFactory): TransportFactory;
}

/** What a tracer may say about a server: never its URL as configured, which may carry a password. */
export interface TracedServer {
  readonly protocol: TransportScheme;
  readonly host: string;
  readonly port: number;
}

/** Makes a {@link Tracer} that writes to `logger`. */
export type TracerFactory = (logger: Logger) => Tracer;

/**
 * A snapshot of the connection machine: what every driver's snapshot has. An actor's (and the
 * Node step driver's) is xstate's full machine snapshot, which has more (`can()`, `tags`...);
 * the browser's default client runs the chart step (runtime/chartStep.ts), whose snapshot has
 * exactly these, so this type promises only them (spec R346).
 */
export interface ConnectionSnapshot {
  /** `'active'` while the machine runs (the connection machine has no final state). */
  readonly status: 'active' | 'done' | 'error' | 'stopped';
  /** The state value, e.g. `{ online: { connecting: 'opening' } }`. */
  readonly value: StateValue;
  /** The machine's context. */
  readonly context: ConnectionContext;
  /** Whether the state is `value` or within it (xstate's `matches`), e.g. `matches({ online: 'connected' })`. */
  matches(value: string | object): boolean;
}

/*
 * The driver port: what runs the statechart (runtime/drivers.ts, runtime/stepDriver.ts) and what
 * its effects do in a runtime.
 */

/** What the statechart's effects do in a runtime. */
export interface LifecycleHost {
  /**
   * Open a transport to server `server` (index into the ring), named `name` in the ring: beyond
   * the configured servers, the label of one a broker referred the client to (spec R246). The
   * name comes with the effect because an actor's snapshot is not yet the new one while its
   * effects run.
   */
  openTransport(server: number, name: string): void;
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
  /** Answer the broker's AUTH 0x18 with the auth method's next step (spec R310). Absent: no auth. */
  answerAuth?(): void;
  /** Start a re-authentication with AUTH 0x19 (spec R313). Absent: no auth. */
  sendReauth?(): void;
  /** A uniform draw in [0, 1). */
  random(): number;
  /** A lifecycle event for users. */
  emitted(event: LifecycleEvent): void;
}

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
  /** Lets the pending timers (and later ones) keep the process alive: the default (spec R50). */
  ref(): void;
  /** Stops the pending timers (and later ones) from keeping the process alive (spec R52). */
  unref(): void;
}

/**
 * Makes a driver: `createActorDriver` or `createStepDriver`, as the `driver` option
 * takes it when the entry point leaves the actor driver out (spec R230).
 */
export type DriverFactory = (options: DriverOptions) => LifecycleDriver;

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
  /**
   * An XState inspection observer. Both drivers send it the connection machine's `@xstate.actor`,
   * `@xstate.event`, `@xstate.action` and `@xstate.snapshot` events (spec R120). @default none
   */
  readonly inspect?: InspectObserver;
  /**
   * What makes the step driver's inspection events (`stepInspection`); a step driver given
   * `inspect` without it throws a `ConfigError` under `inspect` (spec R367). The actor driver
   * inspects natively and ignores it. @default none
   */
  readonly inspection?: StepInspectionFactory;
}

/**
 * The key of a client config's own driver factory, in place of `driver: 'actor' | 'step'`: the
 * embedded client (embedded.ts) runs the statechart as a child actor of an app's machine with it.
 * A symbol, so it stays out of the options users see.
 */
export const DRIVER_FACTORY: unique symbol = Symbol('mqtt-lifeline.driverFactory');
