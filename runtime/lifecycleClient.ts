/**
 * The runtime around the statechart, as users see it: a {@link Connection} (the transport, the
 * receive path and the effects), a driver that runs the machine, and the journal of its inputs.
 * Packets other than CONNACK and PINGRESP go straight to the session layer: the hot path never
 * touches the actor.
 */
import {
  ConfigError,
  type ErrorData,
  errorFromData311,
  InvalidArgumentError,
  type ListenerKind,
} from '../errors.js';
import type { ConnectionEvent, LifecycleEvent } from '../machines/events.js';
import { type Journal, type JournalEntry, journalHeader } from '../machines/journalFormat.js';
import type { AuthRuntime } from './authSession.js';
import { createChartStepDriver } from './chartStepDriver.js';
import { Connection, clientState, type SessionPort } from './connection.js';
import { type ConnectCallOptions, ConnectWaiters } from './connectWaiters.js';
import type { ConnectionSnapshot, LifecycleDriver } from './drivers.js';
import {
  checkConnectOptions,
  clientIds,
  journalRecorder,
  LIFECYCLE_CONFIG_KEYS,
  type LifecycleClientConfig,
} from './lifecycleConfig.js';
import { listen } from './listenerErrors.js';
import { checkClientKeys, tableFor } from './optionKeys.js';
import {
  LIFECYCLE_OPTION_KEYS,
  type LifecycleClientOptions,
  type NormalisedOptions,
  normaliseOptions,
  type ServerConfig,
} from './options.js';
import { DRIVER_FACTORY, type RuntimeClock } from './ports.js';
import type { ClientState } from './types.js';

export type { SessionPort } from './connection.js';
export { LIFECYCLE_CONFIG_KEYS, type LifecycleClientConfig } from './lifecycleConfig.js';
export type { ClientState } from './types.js';

/**
 * A connection kept alive by the statechart. It exposes lifecycle events and the bytes path;
 * `MqttClient` adds the MQTT session (publish / subscribe) on top.
 */
export class LifecycleClient {
  // The connection, under a name the minifier shortens: this class reaches it in every method.
  readonly #c: Connection;
  readonly #initialInput: NormalisedOptions['input'];
  readonly #driver: LifecycleDriver;
  readonly #entries: JournalEntry[] | null;

  constructor(config: LifecycleClientConfig) {
    checkClientKeys(config, tableFor(config, LIFECYCLE_CONFIG_KEYS));
    const options = normaliseOptions(config);
    const random = config.random ?? Math.random;
    const ids = clientIds(options, [], random);
    checkConnectOptions(options, ids);
    // Ports last, so a bad option value is reported first.
    const clock = config.clock;
    if (clock === undefined)
      throw new ConfigError(
        'clock',
        "no clock: pass one, or construct the client from an entry point such as 'mqtt-lifeline', which supplies one",
      );
    // The runtime never imports the actor driver, so a bundle that does not use it leaves it out (R230).
    if (config.driver === 'actor')
      throw new ConfigError(
        'driver',
        "'actor' needs the actor driver, which this entry point leaves out: pass driver: createActorDriver",
      );
    this.#initialInput = options.input;
    this.#entries = config.journal === true ? [] : null;
    const record = journalRecorder(config.journal, this.#entries, (thrown) =>
      this.reportListenerError('journal', thrown),
    );
    const connection = new Connection(clock, random, config, options, ids);
    this.#c = connection;
    const driverOptions = {
      input: options.input,
      clock,
      host: connection,
      record,
      inspect: config.inspect,
      inspection: config.inspection,
    };
    this.#driver =
      config[DRIVER_FACTORY] !== undefined
        ? config[DRIVER_FACTORY](driverOptions)
        : typeof config.driver === 'function'
          ? config.driver(driverOptions)
          : // The runtime's own default carries no xstate; Node's entry names xstate's step (R343).
            createChartStepDriver(driverOptions);
    connection.driver = this.#driver;
  }

  /**
   * Starts connecting (Mongoose `global_connect`); a no-op while connecting or connected.
   *
   * Returns a promise of the first session up after the call (at once when connected). It rejects
   * only when the client stops before that (spec R80): with the `ConnackError` of a refusal under
   * `onRefused: 'stop'`, with the error that ran out a limit in `options`, or with
   * `ClientClosedError` when `disconnect()` is called. Ignoring it is safe (fire and forget, the
   * client retries forever): it never becomes an unhandled rejection.
   *
   * @throws {@link InvalidArgumentError} for a limit that is not a number > 0.
   */
  connect(options?: ConnectCallOptions): Promise<void> {
    if (this.isConnected()) return Promise.resolve();
    const connection = this.#c;
    // A will asked for by an earlier `disconnect({ sendWill })` is not asked for again.
    connection.sendWillOnDisconnect = false;
    const waiters =
      connection.connects ??
      new ConnectWaiters({
        clock: connection.clock,
        giveUp: () => this.#driver.send({ type: 'client.disconnect' }),
        // R355: the MQTT 5 profile reads its own error codes; a 3.1.1-only client carries none.
        revive:
          (connection.config.mqtt5 as { readonly errorFromData?: typeof errorFromData311 } | undefined)
            ?.errorFromData ?? errorFromData311,
      });
    const promise = waiters.wait(options);
    connection.connects = waiters;
    this.#driver.send({ type: 'client.connect' });
    return promise;
  }

  /**
   * Stops (Mongoose `global_disconnect`): cancels every pending attempt and timer, writes
   * DISCONNECT when a session is up, and resolves once the transport is closed.
   * @param options.sendWill - On an MQTT 5 connection, DISCONNECT with reason code 0x04 so that
   *   the broker publishes the will (MQTT 3.1.1 cannot ask: its DISCONNECT discards the will).
   *   With no MQTT 5 server in the ring it rejects with an `InvalidArgumentError` and the client
   *   goes on. @default false
   */
  disconnect(options: { readonly sendWill?: boolean } = {}): Promise<void> {
    const refused = this.disconnectRefusal(options);
    if (refused !== undefined) return Promise.reject(refused);
    this.#c.sendWillOnDisconnect = options.sendWill === true;
    this.#driver.send({ type: 'client.disconnect' });
    return this.#c.whenClosed();
  }

  /**
   * Replaces the configuration (Mongoose `set_config`), checked first: a bad value throws and
   * changes nothing. While connecting, connected or waiting, the client reconnects at once with
   * the new configuration, starting over on the first enabled server (spec R26).
   */
  configure(config: Partial<LifecycleClientOptions>): void {
    checkClientKeys(config, LIFECYCLE_OPTION_KEYS);
    // `Object.assign`, not spreads: the copy is kept, and V8 stores a merged spread with a large
    // out-of-object property backing.
    const nextConfig: LifecycleClientConfig = Object.assign({}, this.#c.config, config);
    const next = normaliseOptions(nextConfig);
    const ids = clientIds(next, this.#c.clientIds, this.#c.random);
    checkConnectOptions(next, ids);
    this.#c.options = next;
    this.#c.config = nextConfig;
    this.#c.clientIds = ids;
    this.#driver.send({ type: 'client.configure', servers: next.input.servers, options: next.input.options });
  }

  /**
   * Stops this client from keeping the Node process alive (as `net.Socket#unref`): its socket and
   * timers no longer hold the event loop, so the process may exit while it is connected or
   * waiting to retry (spec R52). Work it still owes is then lost with the process.
   * @returns this client.
   */
  unref(): this {
    this.#hold(false);
    return this;
  }

  /** Undoes {@link LifecycleClient.unref}: the client holds the process again (the default, spec R50). */
  ref(): this {
    this.#hold(true);
    return this;
  }

  #hold(held: boolean): void {
    if (this.#c.held === held) return;
    this.#c.hold(held);
    if (held) this.#driver.ref();
    else this.#driver.unref();
  }

  /** Tells the client the network is up (Mongoose `IP_ACQUIRED`): retry now unless disconnected. */
  netUp(): void {
    this.#driver.send({ type: 'net.up' });
  }

  /**
   * Re-authenticates the connected MQTT 5 session with the `auth` method (spec R313-R315): the
   * session stays up, in-flight messages go on. Resolves when the broker's AUTH 0x00 verified.
   * @throws (rejects) `InvalidArgumentError` without `auth`; `NotConnectedError` when not
   * connected to an MQTT 5 server, or when the session goes down before the exchange ends.
   */
  reauthenticate(): Promise<void> {
    // The MQTT 5 profile carries enhanced authentication (R313) and says why it cannot run (not
    // connected to an MQTT 5 server); without it the `auth` option cannot be set (R340).
    const runtime = (this.#c.config.mqtt5 as { readonly authentication?: AuthRuntime } | undefined)
      ?.authentication;
    return (
      runtime?.reauthenticate(this.#driver, this.#c) ??
      Promise.reject(new InvalidArgumentError('reauthenticate() needs the `auth` option'))
    );
  }

  /** The coarse state. */
  get state(): ClientState {
    return clientState(this.#driver.getSnapshot());
  }

  /** Whether CONNACK rc=0 was received and the session is up (Mongoose `is_connected`). */
  isConnected(): boolean {
    return this.state === 'connected';
  }

  /** The statechart's snapshot. */
  getSnapshot(): ConnectionSnapshot {
    return this.#driver.getSnapshot();
  }

  /** Calls `listener` with every new snapshot; returns an unsubscribe function. A throw is reported (R63). */
  subscribeSnapshots(listener: (snapshot: ConnectionSnapshot) => void): () => void {
    return this.#driver.subscribe((snapshot) => {
      try {
        listener(snapshot);
      } catch (thrown) {
        this.reportListenerError('snapshot', thrown);
      }
    });
  }

  /**
   * Reports what user code threw (spec R63) to `onListenerError`, then to `MqttClient`'s
   * `listener.error` event unless the throw came from a listener of that very event. Never throws.
   * @param kind - Which kind of callback threw.
   * @param thrown - What it threw.
   */
  reportListenerError(kind: ListenerKind, thrown: unknown): void {
    this.#c.reportListenerError(kind, thrown);
  }

  /** Calls `listener` with every lifecycle event; returns an unsubscribe function. */
  onLifecycle(listener: (event: LifecycleEvent) => void): () => void {
    this.#c.lifecycleListeners ??= new Set();
    return listen(this.#c.lifecycleListeners, listener);
  }

  /** The connect hook in use (from the options or the last `setConnectHook`), if any. */
  get connectHook(): LifecycleClientOptions['connectHook'] {
    return this.#c.config.connectHook;
  }

  /** Replaces the connect hook (Mongoose `set_connect_fn`); it runs before every later CONNECT. */
  setConnectHook(hook: LifecycleClientOptions['connectHook']): void {
    this.#c.config = Object.assign({}, this.#c.config, { connectHook: hook });
  }

  /** Calls `listener` when the connection is closed for a protocol error or a failed connect hook. */
  onProtocolError(listener: (error: ErrorData) => void): () => void {
    this.#c.protocolListeners ??= new Set();
    return listen(this.#c.protocolListeners, listener);
  }

  /** The journal so far (with `journal: true`). */
  journal(): Journal {
    if (this.#entries === null)
      throw new InvalidArgumentError('the journal is off: create the client with journal: true');
    return { header: journalHeader(this.#initialInput), entries: [...this.#entries] };
  }

  /**
   * Why `disconnect(options)` cannot be done, or `undefined`: `sendWill` with no MQTT 5 server.
   * @param options - What `disconnect` was asked.
   */
  disconnectRefusal(options: { readonly sendWill?: boolean }): InvalidArgumentError | undefined {
    if (options.sendWill !== true) return undefined;
    if (this.#c.options.servers.some((s) => s.protocolVersion === 5)) return undefined;
    return new InvalidArgumentError(
      'sendWill needs an MQTT 5 server (protocolVersion 5): an MQTT 3.1.1 DISCONNECT always discards the will',
    );
  }

  /** The connection: transport, receive path, effects; the session's I/O. */
  get connection(): Connection {
    return this.#c;
  }

  /** The servers as configured (normalised). */
  get servers(): readonly ServerConfig[] {
    return this.#c.options.servers;
  }

  /** The clock in use. */
  get clock(): RuntimeClock {
    return this.#c.clock;
  }

  /** Attaches the session layer: packets other than CONNACK and PINGRESP go to it. */
  attachSession(session: SessionPort): void {
    this.#c.session = session;
  }

  /** Writes bytes to the current transport; false when there is none or it is above its high-water mark. */
  write(bytes: Uint8Array): boolean {
    return this.#c.write(bytes);
  }

  /** Bytes the transport has not yet handed to the operating system. */
  get bufferedBytes(): number {
    return this.#c.bufferedBytes();
  }

  /**
   * True while the transport holds at least its high-water mark of bytes not yet handed to the
   * operating system (Node's `writableNeedDrain`): stop writing until {@link LifecycleClient.whenWritable}.
   */
  get needsDrain(): boolean {
    return this.#c.needsDrain();
  }

  /**
   * Resolves once the transport is below its high-water mark (spec R55): at once when it is,
   * else when it drains or the connection closes (when nothing is buffered any more).
   */
  whenWritable(): Promise<void> {
    return this.#c.whenWritable();
  }

  /**
   * Calls `callback(true)` once every byte written so far is handed to the operating system,
   * `callback(false)` if the connection closes first or there is none (spec R54).
   */
  whenFlushed(callback: (flushed: boolean) => void): void {
    this.#c.whenFlushed(callback);
  }

  /** Tells the statechart that the replay from before this connection is complete. */
  sessionDrained(): void {
    this.#driver.send({ type: 'session.drained' });
  }

  /** Delivers an input event to the statechart (for adapters and tests). */
  send(event: ConnectionEvent): void {
    this.#driver.send(event);
  }
}
