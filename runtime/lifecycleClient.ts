/**
 * The runtime around the statechart: it owns the one transport, the receive path and the timers,
 * carries out the machine's effects, and journals its inputs. Packets other than CONNACK and
 * PINGRESP go straight to the session layer: the hot path never touches the actor.
 */
import {
  ConfigError,
  type ErrorData,
  InvalidArgumentError,
  ListenerError,
  type ListenerKind,
} from '../errors.js';
import type { ConnectionEvent, LifecycleEvent } from '../machines/events.js';
import { type Journal, type JournalEntry, journalHeader } from '../machines/journal.js';
import { buildConnect, type ConnectOptions } from '../protocol/connect.js';
import type { InboundPacket } from '../protocol/decoder.js';
import { ConnectionHost } from './connection.js';
import { type ConnectCallOptions, ConnectWaiters } from './connectWaiters.js';
import {
  type ConnectionSnapshot,
  createActorDriver,
  createStepDriver,
  type LifecycleDriver,
} from './drivers.js';
import { callEach, logListenerError } from './listenerErrors.js';
import {
  type LifecycleClientOptions,
  type NormalisedOptions,
  normaliseOptions,
  type ServerConfig,
} from './options.js';
import type { RuntimeClock, Transport } from './ports.js';

/** The client's coarse state, for users. */
export type ClientState = 'idle' | 'connecting' | 'connected' | 'backoff' | 'stopped';

/** What the lifecycle runtime hands to the session layer (the MQTT session lives there). */
export interface SessionPort {
  /** CONNACK rc=0 arrived; `write` goes to the new transport. */
  connected(sessionPresent: boolean): void;
  /** The transport is gone. */
  disconnected(): void;
  /** A packet the lifecycle does not handle (PUBLISH, acks, SUBACK, UNSUBACK). */
  handle(packet: InboundPacket): void;
}

/** Options of {@link LifecycleClient}. */
export interface LifecycleClientConfig extends LifecycleClientOptions {
  /** Keep every journal entry in memory (`true`) or stream each to a function. @default false */
  readonly journal?: boolean | ((entry: JournalEntry) => void);
  /** Grace period for a closing transport to flush before it is destroyed, in ms. @default 1000 */
  readonly closeGraceMs?: number;
}

/**
 * Hears every lifecycle event and protocol error ahead of the listeners: how `MqttClient`
 * forwards them without a listener set and two closures per client. Internal: not in the index.
 */
export interface LifecycleSink {
  /** A lifecycle event, before `onLifecycle` listeners. */
  lifecycle(event: LifecycleEvent): void;
  /** A protocol error, before `onProtocolError` listeners. */
  protocolError(error: ErrorData): void;
  /** User code threw (spec R63), after the `onListenerError` handler. */
  listenerError(error: ListenerError): void;
}

// Set by LifecycleClient's static block, which alone can reach the private field.
let setSink!: (client: LifecycleClient, sink: LifecycleSink) => void;

/** Makes `sink` hear `client`'s lifecycle events and protocol errors before any listener. */
export function attachSink(client: LifecycleClient, sink: LifecycleSink): void {
  setSink(client, sink);
}

const hex8 = (random: () => number): string =>
  Math.floor(random() * 0x1_0000_0000)
    .toString(16)
    .padStart(8, '0');

/**
 * A connection kept alive by the statechart. It exposes lifecycle events and the bytes path;
 * `MqttClient` adds the MQTT session (publish / subscribe) on top.
 */
export class LifecycleClient {
  #options: NormalisedOptions;
  readonly #initialInput: NormalisedOptions['input'];
  #config: LifecycleClientConfig;
  readonly #clock: RuntimeClock;
  readonly #random: () => number;
  readonly #driver: LifecycleDriver;
  readonly #entries: JournalEntry[] | null;
  // Listener sets are made on first registration: an empty Set still costs its hash table.
  #listeners: Set<(event: LifecycleEvent) => void> | undefined;
  #protocolListeners: Set<(error: ErrorData) => void> | undefined;
  #clientIds: string[];
  #transport: Transport | null = null;
  #session: SessionPort | null = null;
  #sink: LifecycleSink | null = null;
  /** A `listener.error` is being forwarded: a listener of it that throws is not forwarded again. */
  #forwarding = false;
  readonly #host: ConnectionHost;
  /** Pending `connect()` promises; made by the call, let go once they are settled. */
  #connects: ConnectWaiters | undefined;

  static {
    setSink = (client, sink) => {
      client.#sink = sink;
    };
  }

  constructor(config: LifecycleClientConfig) {
    this.#config = config;
    this.#options = normaliseOptions(config);
    this.#random = config.random ?? Math.random;
    this.#initialInput = this.#options.input;
    this.#clientIds = this.#generateIds([]);
    this.#checkConnectOptions();
    // Ports last, so a bad option value is reported first.
    if (config.clock === undefined)
      throw new ConfigError(
        'clock',
        "no clock: pass one, or construct the client from an entry point such as 'mqtt-lifeline', which supplies one",
      );
    this.#clock = config.clock;
    this.#entries = config.journal === true ? [] : null;
    const sink = config.journal;
    const record =
      typeof sink === 'function'
        ? // A throwing journal sink must not abort the statechart's step (R63).
          (entry: JournalEntry) => {
            try {
              sink(entry);
            } catch (thrown) {
              this.reportListenerError('journal', thrown);
            }
          }
        : this.#entries !== null
          ? (entry: JournalEntry) => this.#entries?.push(entry)
          : undefined;
    this.#host = new LifecycleClient.#Host(this);
    const driverOptions = {
      input: this.#initialInput,
      clock: this.#clock,
      host: this.#host,
      record,
    };
    this.#driver =
      config.driver === 'actor' ? createActorDriver(driverOptions) : createStepDriver(driverOptions);
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
    const waiters =
      this.#connects ??
      new ConnectWaiters({
        clock: this.#clock,
        giveUp: () => this.#driver.send({ type: 'client.disconnect' }),
      });
    const promise = waiters.wait(options);
    this.#connects = waiters;
    this.#driver.send({ type: 'client.connect' });
    return promise;
  }

  /**
   * Stops (Mongoose `global_disconnect`): cancels every pending attempt and timer, writes
   * DISCONNECT when a session is up, and resolves once the transport is closed.
   */
  disconnect(): Promise<void> {
    this.#driver.send({ type: 'client.disconnect' });
    return this.#host.whenClosed();
  }

  /**
   * Replaces the configuration (Mongoose `set_config`), checked first: a bad value throws and
   * changes nothing. While connecting, connected or waiting, the client reconnects at once with
   * the new configuration, starting over on the first enabled server (spec R26).
   */
  configure(config: Partial<LifecycleClientOptions>): void {
    // `Object.assign`, not spreads: the copy is kept, and V8 stores a merged spread with a large
    // out-of-object property backing.
    const nextConfig: LifecycleClientConfig = Object.assign({}, this.#config, config);
    const next = normaliseOptions(nextConfig);
    const previous = { options: this.#options, config: this.#config, ids: this.#clientIds };
    this.#options = next;
    this.#config = nextConfig;
    this.#clientIds = this.#generateIds(previous.ids);
    try {
      this.#checkConnectOptions();
    } catch (error) {
      this.#options = previous.options;
      this.#config = previous.config;
      this.#clientIds = previous.ids;
      throw error;
    }
    this.#driver.send({ type: 'client.configure', servers: next.input.servers, options: next.input.options });
  }

  /** Tells the client the network is up (Mongoose `IP_ACQUIRED`): retry now unless disconnected. */
  netUp(): void {
    this.#driver.send({ type: 'net.up' });
  }

  /** The coarse state. */
  get state(): ClientState {
    const value = this.#driver.getSnapshot().value;
    if (typeof value === 'string') return value as ClientState;
    if ('backoff' in value) return 'backoff';
    return 'connected' in (value.online as object) ? 'connected' : 'connecting';
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
   * Reports what user code threw (spec R63) to `onListenerError`, then to the sink (`MqttClient`'s
   * `listener.error` event) unless the throw came from a listener of that very event. Never throws.
   * @param kind - Which kind of callback threw.
   * @param thrown - What it threw.
   */
  reportListenerError(kind: ListenerKind, thrown: unknown): void {
    const error = new ListenerError(kind, thrown);
    try {
      (this.#config.onListenerError ?? logListenerError)(error);
    } catch {
      // The handler is the last line: what it throws has nowhere left to go.
    }
    if (this.#forwarding || this.#sink === null) return;
    this.#forwarding = true;
    try {
      this.#sink.listenerError(error);
    } finally {
      this.#forwarding = false;
    }
  }

  /** Calls `listener` with every lifecycle event; returns an unsubscribe function. */
  onLifecycle(listener: (event: LifecycleEvent) => void): () => void {
    this.#listeners ??= new Set();
    const listeners = this.#listeners;
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  /** The connect hook in use (from the options or the last `setConnectHook`), if any. */
  get connectHook(): LifecycleClientOptions['connectHook'] {
    return this.#config.connectHook;
  }

  /** Replaces the connect hook (Mongoose `set_connect_fn`); it runs before every later CONNECT. */
  setConnectHook(hook: LifecycleClientOptions['connectHook']): void {
    this.#config = Object.assign({}, this.#config, { connectHook: hook });
  }

  /** Calls `listener` when the connection is closed for a protocol error or a failed connect hook. */
  onProtocolError(listener: (error: ErrorData) => void): () => void {
    this.#protocolListeners ??= new Set();
    const listeners = this.#protocolListeners;
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  /** The journal so far (with `journal: true`). */
  journal(): Journal {
    if (this.#entries === null)
      throw new InvalidArgumentError('the journal is off: create the client with journal: true');
    return { header: journalHeader(this.#initialInput), entries: [...this.#entries] };
  }

  /** The servers as configured (normalised). */
  get servers(): readonly ServerConfig[] {
    return this.#options.servers;
  }

  /** The clock in use. */
  get clock(): RuntimeClock {
    return this.#clock;
  }

  /** Attaches the session layer. */
  attachSession(session: SessionPort): void {
    this.#session = session;
  }

  /** Writes bytes to the current transport; false when there is none or it is above its high-water mark. */
  write(bytes: Uint8Array): boolean {
    return this.#transport?.write(bytes) ?? false;
  }

  /** Room for `size` bytes in the transport's write buffer (see `Transport.reserve`); -1 when not possible. */
  reserve(size: number): number {
    return this.#transport?.reserve?.(size) ?? -1;
  }

  /** The buffer `reserve` offsets point into. */
  get outBuffer(): Uint8Array | undefined {
    return this.#transport?.outBuffer;
  }

  /** Bytes the transport has not yet handed to the operating system. */
  get bufferedBytes(): number {
    return this.#transport?.bufferedBytes ?? 0;
  }

  /** Tells the statechart that the replay from before this connection is complete. */
  sessionDrained(): void {
    this.#driver.send({ type: 'session.drained' });
  }

  /** Delivers an input event to the statechart (for adapters and tests). */
  send(event: ConnectionEvent): void {
    this.#driver.send(event);
  }

  // One generated id per server, kept across reconnects (and reconfigurations) so a persistent session can resume.
  #generateIds(previous: readonly string[]): string[] {
    return this.#options.servers.map(
      (s, i) => s.clientId || previous[i] || `mqttlifeline_${hex8(this.#random)}`,
    );
  }

  // Static CONNECT options are checked up front, so a bad one is a synchronous, typed error.
  #checkConnectOptions(): void {
    for (let i = 0; i < this.#options.servers.length; i++) buildConnect(this.#connectOptions(i));
  }

  #connectOptions(server: number): ConnectOptions {
    const s = this.#options.servers[server] as ServerConfig;
    return {
      clientId: this.#clientIds[server],
      clean: s.clean,
      keepAliveSec: s.keepAliveSec,
      username: s.username,
      password: s.password,
      will: s.will,
    };
  }

  /**
   * The statechart's effects on this client: {@link ConnectionHost}, with its protected members
   * mapped onto the private fields here.
   */
  static readonly #Host = class extends ConnectionHost {
    protected get transport(): Transport | null {
      return this.client.#transport;
    }
    protected set transport(transport: Transport | null) {
      this.client.#transport = transport;
    }
    protected get driver(): LifecycleDriver {
      return this.client.#driver;
    }
    protected get clock(): RuntimeClock {
      return this.client.#clock;
    }
    protected get config(): LifecycleClientConfig {
      return this.client.#config;
    }
    protected get options(): NormalisedOptions {
      return this.client.#options;
    }
    protected get session(): SessionPort | null {
      return this.client.#session;
    }
    protected connectOptions(server: number): ConnectOptions {
      return this.client.#connectOptions(server);
    }
    protected protocolError(error: ErrorData): void {
      this.client.#sink?.protocolError(error);
      const listeners = this.client.#protocolListeners;
      if (listeners !== undefined) callEach(listeners, error, 'protocolError', this.client);
    }

    random(): number {
      const random = this.client.#random;
      return random();
    }
    emitted(event: LifecycleEvent): void {
      const connects = this.client.#connects;
      if (connects !== undefined) {
        connects.onEvent(event);
        if (!connects.pending) this.client.#connects = undefined;
      }
      this.client.#sink?.lifecycle(event);
      const listeners = this.client.#listeners;
      // Listeners run inside the statechart's step: a throw must not abort it (R63).
      if (listeners !== undefined) callEach(listeners, event, 'lifecycle', this.client);
    }
  };
}
