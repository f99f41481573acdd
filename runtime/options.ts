/**
 * Client options, the two profiles, and their normalisation into the statechart's input (timings
 * only) plus what the runtime keeps to itself (addresses, credentials, transports).
 */

import { ConfigError, type ListenerError } from '../errors.js';
import type { ServerTiming } from '../machines/backoff.js';
import type { ConnectionInput, LifecycleOptions } from '../machines/events.js';
import type { ConnectOptions } from '../protocol/connect.js';
import { checkOneOf, got } from '../protocol/optionChecks.js';
import type { StoreRecovery } from '../protocol/sessionLog.js';
import type { AuthMethod } from './auth.js';
import type { StepInspectionFactory } from './inspection.js';
import { checkServerKeys, type KeyTable } from './optionKeys.js';
import type {
  DriverFactory,
  Logger,
  Mqtt5Profile,
  RuntimeClock,
  RuntimeDefaults,
  TracerFactory,
  TransportFactory,
} from './ports.js';
import { type NormalisedServer, type ProtocolVersion, resolveServer, type ServerConfig } from './servers.js';
import { shared } from './sharedInputs.js';
import { checkVersionedOptions, keepAliveOf, positive, versionOf } from './valueChecks.js';

export type { NormalisedServer, ProtocolVersion, ServerConfig } from './servers.js';
export { isSharedInput, sharedId } from './sharedInputs.js';

/**
 * `'default'` fixes Mongoose's known hazards (stable-connection reset, connect and ping timeouts);
 * `'mongoose'` reproduces its code exactly (spec section 4).
 */
export type Profile = 'default' | 'mongoose';

/** What the connect hook receives: the attempt's server and the CONNECT options it may change. */
export interface ConnectHookContext {
  /** The server's label. */
  readonly server: string;
  /** The server's index in the ring. */
  readonly serverIndex: number;
  /** The CONNECT options configured for that server. */
  readonly options: ConnectOptions;
}

/**
 * Runs before every CONNECT (Mongoose `set_connect_fn`): returns the options to use, e.g. with a
 * fresh token as password. May be async; a rejection fails the attempt.
 */
export type ConnectHook = (context: ConnectHookContext) => ConnectOptions | Promise<ConnectOptions>;

/** Options of the lifecycle part of the client. */
export interface LifecycleClientOptions {
  /** The server ring, primary first. */
  readonly servers: readonly ServerConfig[];
  /** Which defaults apply. @default 'default' */
  readonly profile?: Profile;
  /** Reset rule (spec R17-R18). @default 'stable' ('connack' with the mongoose profile) */
  readonly reset?: 'connack' | 'stable';
  /** @default 30000 (0 with the mongoose profile) */
  readonly stableConnectionMs?: number;
  /** Deadline from attempt start to CONNACK; 0 = none. @default 30000 (0 with the mongoose profile) */
  readonly connectTimeoutMs?: number;
  /**
   * Keep alive in seconds, sent in CONNECT and used for PINGREQ; 0 = off. A server's own
   * `keepAliveSec` wins for that server (Mongoose's `mqtt1.keep_alive`).
   * @default 60 (0 becomes 60 with the mongoose profile)
   */
  readonly keepAliveSec?: number;
  /** PINGRESP deadline; 0 = none. @default half the keep alive (0 with the mongoose profile) */
  readonly pingTimeoutMs?: number;
  /** Relative retry jitter in [0, 1). @default 0.1 */
  readonly jitter?: number;
  /**
   * What a refused CONNACK that retrying with the same CONNECT will not heal does (return codes 1
   * unacceptable protocol version, 2 identifier rejected, 4 bad user name or password, 5 not
   * authorised; in MQTT 5 the final reason codes of spec R242, such as 0x86, 0x87, 0x8A, 0x8C):
   * `'stop'` enters `stopped` (event `stopped` with the `ConnackError`'s data, and a pending
   * `connect()` rejects with it); `'retry'` retries on the schedule like any failure, as
   * Mongoose does. Return code 3 (server unavailable) and the MQTT 5 codes of the server's state
   * (0x88, 0x89, 0x97 ...) are always retried (spec R81, R242). Choose
   * `'retry'` for a device whose credentials may be fixed on the broker's side while it runs.
   * @default 'stop' ('retry' with the mongoose profile)
   */
  readonly onRefused?: 'retry' | 'stop';
  /** Uniform random source in [0, 1) for jitter and generated client ids. @default Math.random */
  readonly random?: () => number;
  /** Clock for timers and journal timestamps. @default the entry point's: `systemClock` */
  readonly clock?: RuntimeClock;
  /**
   * How to reach servers that name no transport of their own. The entry point supplies the
   * default (see {@link RuntimeDefaults}), so the runtime itself never imports a transport.
   * @default the entry point's: in Node (`mqtt-lifeline`) one chosen by scheme: TCP, TLS or WebSocket
   */
  readonly transport?: TransportFactory;
  /**
   * Runs the statechart as a live actor or by pure stepping (spec R44). `'actor'` takes the actor
   * driver the entry point supplies (Node's does); the browser entry leaves it out of its bundle,
   * so pass `createActorDriver` itself there (spec R230). A factory is used as it is. `'step'`
   * takes the entry point's step driver: in Node xstate's `transition()` with its memo, in
   * browsers the chart step, which carries no xstate (spec R343).
   * @default 'step'
   */
  readonly driver?: 'actor' | 'step' | DriverFactory;
  /** Runs before every CONNECT. @default none */
  readonly connectHook?: ConnectHook;
  /**
   * MQTT 5 enhanced authentication (spec R310-R318): the method named in every CONNECT to an
   * MQTT 5 server (`scramSha256({ username, password })`, or your own {@link AuthMethod}), and
   * used again by `reauthenticate()`. MQTT 3.1.1 servers get no Authentication Method; with no
   * MQTT 5 server at all it is a `ConfigError` (spec R340).
   * @default none
   */
  readonly auth?: AuthMethod;
  /**
   * The MQTT version spoken to servers that do not say otherwise (their `protocolVersion`, or
   * `?protocolVersion=` in their URL): 4 is MQTT 3.1.1, 5 is MQTT 5.0 (spec R235). The mongoose
   * profile speaks 3.1.1 only.
   * @default 4
   */
  readonly protocolVersion?: ProtocolVersion;
  /**
   * The MQTT 5 wire profile: what `protocolVersion: 5` needs.
   * @default the entry point's (Node: built in; the browser entry leaves it out to stay small)
   */
  readonly mqtt5?: Mqtt5Profile;
  /** Largest inbound packet accepted, in bytes; larger closes the connection. @default 268435460 (3072 with the mongoose profile) */
  readonly maxIncomingPacketBytes?: number;
  /**
   * Receives the trace, one line per call (spec R90-R93): lifecycle decisions (which server,
   * which attempt, why a retry, which delay), packets sent and received (type, id, flags, sizes;
   * never payloads, user names or passwords) and protocol errors. In Node,
   * `NODE_DEBUG=mqtt-lifeline` makes the entry point's default `util.debuglog`.
   * @default none: no tracing, at no cost
   */
  readonly logger?: Logger;
  /**
   * Turns `logger` into trace lines. The Node entry supplies the built-in one (`createTracer`);
   * the browser entry leaves it out to stay small, so pass `createTracer` there to trace.
   * @default the entry point's (Node: `createTracer`; browser: none)
   */
  readonly tracer?: TracerFactory;
  /**
   * Called when user code the client calls (a listener, an observer, a completion callback)
   * throws (spec R63). The client has caught the error and gone on; `MqttClient` also emits it as
   * a `listener.error` event. What this handler throws is ignored.
   * @default logs it with `console.error`
   */
  readonly onListenerError?: (error: ListenerError) => void;
}

/** The options of {@link LifecycleClientOptions}: what `configure()` takes. */
export const LIFECYCLE_OPTION_KEYS = {
  servers: 1,
  profile: 1,
  reset: 1,
  stableConnectionMs: 1,
  connectTimeoutMs: 1,
  keepAliveSec: 1,
  pingTimeoutMs: 1,
  jitter: 1,
  onRefused: 1,
  random: 1,
  clock: 1,
  transport: 1,
  driver: 1,
  connectHook: 1,
  auth: 1,
  protocolVersion: 1,
  mqtt5: 1,
  maxIncomingPacketBytes: 1,
  logger: 1,
  tracer: 1,
  onListenerError: 1,
} as const satisfies KeyTable<LifecycleClientOptions>;

/** The normalised result: the statechart's input and the per-server runtime configs. */
export interface NormalisedOptions {
  readonly input: ConnectionInput;
  readonly servers: readonly NormalisedServer[];
}

/**
 * `options` with the entry point's defaults for the ports it leaves unset: how an entry point
 * (Node's `mqtt-lifeline`, a browser bundle) wires its transport and clock into the runtime.
 */
export function withDefaults<
  T extends LifecycleClientOptions & {
    readonly storeRecovery?: StoreRecovery;
    readonly session?: { readonly store?: unknown };
    readonly inspect?: unknown;
    readonly inspection?: StepInspectionFactory;
  },
>(options: T, defaults: RuntimeDefaults): T {
  // Plain JavaScript can call `new MqttClient()`: a typed error, not a TypeError from deep inside.
  if (typeof options !== 'object' || options === null)
    throw new ConfigError('options', `must be an object such as { servers: [{ url }] }${got(options)}`);
  const logger = options.logger ?? defaults.logger;
  // Only an MqttClient's session with a store uses it (spec R231): other options stay as given.
  const storeRecovery =
    options.storeRecovery ?? (options.session?.store === undefined ? undefined : defaults.storeRecovery);
  // Only a client with an observer uses the step driver's inspection (spec R367), likewise.
  const inspection = options.inspection ?? (options.inspect === undefined ? undefined : defaults.inspection);
  const ports: Record<string, unknown> = {
    transport: options.transport ?? defaults.transport,
    clock: options.clock ?? defaults.clock,
    logger,
    // The tracer matters only with a logger: without one the options stay as given.
    tracer: logger === undefined ? options.tracer : (options.tracer ?? defaults.tracer),
    // `'actor'` becomes the entry point's actor driver, when it has one (spec R230).
    // `'step'` (or none) becomes the entry point's step driver, when it names one (spec R343).
    driver:
      options.driver === 'actor'
        ? (defaults.actorDriver ?? 'actor')
        : options.driver === undefined || options.driver === 'step'
          ? (defaults.stepDriver ?? options.driver)
          : options.driver,
    mqtt5: options.mqtt5 ?? defaults.mqtt5,
  };
  // Only a client with a session takes `storeRecovery`, only one with an observer `inspection`:
  // no key for the others (spec R338).
  if (storeRecovery !== undefined) ports.storeRecovery = storeRecovery;
  if (inspection !== undefined) ports.inspection = inspection;
  // The options themselves when they already name every port: no copy per client.
  for (const port in ports)
    if (ports[port] !== (options as Record<string, unknown>)[port]) return Object.assign({}, options, ports);
  return options;
}

const NO_TRANSPORT =
  "no transport: pass one (the server's or the client's `transport`), or construct the client from an entry point such as 'mqtt-lifeline', which supplies one";

/** Checks options and turns them into the statechart's input (timings only, no credentials). */
export function normaliseOptions(options: LifecycleClientOptions): NormalisedOptions {
  const mongoose = options.profile === 'mongoose';
  if (!Array.isArray(options.servers) || options.servers.length === 0)
    throw new ConfigError(
      'servers',
      'must be an array of at least one server, such as [{ url: "mqtt://host" }]',
    );
  const keepAliveSec = keepAliveOf('keepAliveSec', options.keepAliveSec, 60, mongoose);
  const protocolVersion = versionOf('protocolVersion', options.protocolVersion, 4, mongoose);
  // A deadline of the client's, in ms; 0 is none, all the mongoose profile has.
  const deadline = (name: 'pingTimeoutMs' | 'stableConnectionMs' | 'connectTimeoutMs', fallback: number) =>
    positive(name, options[name], mongoose ? 0 : fallback, true);
  const servers: NormalisedServer[] = [];
  const timings: ServerTiming[] = options.servers.map((s, i) => {
    const key = `servers[${i}]`;
    const transport = s.transport ?? options.transport;
    checkServerKeys(s, key, LIFECYCLE_OPTION_KEYS);
    const resolved = resolveServer(s, key, transport);
    const minMs = positive(`${key}.minDelayMs`, s.minDelayMs, 2000, false);
    const maxMs = positive(`${key}.maxDelayMs`, s.maxDelayMs, 60_000, false);
    if (maxMs < minMs)
      throw new ConfigError(`${key}.maxDelayMs`, `must be >= minDelayMs (${minMs}), got ${maxMs}`);
    if (transport === undefined) throw new ConfigError(`${key}.transport`, NO_TRANSPORT);
    const name = s.name ?? (i === 0 ? 'mqtt' : `mqtt${i}`);
    const enabled = s.enabled ?? true;
    const own = keepAliveOf(`${key}.keepAliveSec`, s.keepAliveSec, keepAliveSec, mongoose);
    // Each client keeps these copies: `Object.assign` gives a compact object, where a spread
    // followed by more keys costs V8 a large out-of-object property store.
    servers.push(
      Object.assign(resolved, {
        name,
        keepAliveSec: own,
        protocolVersion: versionOf(
          `${key}.protocolVersion`,
          resolved.protocolVersion,
          protocolVersion,
          mongoose,
        ),
        transport,
      }),
    );
    // Only a server with its own keep alive carries liveness timings; the others use the client's.
    // (Literals, not a spread plus keys, which V8 stores with a large property backing per object.)
    return s.keepAliveSec === undefined
      ? { name, enabled, minMs, maxMs }
      : {
          name,
          enabled,
          minMs,
          maxMs,
          keepAliveMs: own * 1000,
          pingTimeoutMs: deadline('pingTimeoutMs', own * 500),
        };
  });
  if (!timings.some((t) => t.enabled))
    throw new ConfigError('servers', 'at least one server must be enabled');
  const jitter = options.jitter ?? 0.1;
  // Written so that NaN fails too (and a string, which `>=` would compare as a number).
  if (!(typeof jitter === 'number' && jitter >= 0 && jitter < 1))
    throw new ConfigError('jitter', `must be a number from 0 to below 1${got(jitter)}`);
  const lifecycle: LifecycleOptions = {
    reset:
      options.reset === undefined
        ? mongoose
          ? 'connack'
          : 'stable'
        : checkOneOf('reset', options.reset, ['connack', 'stable'] as const),
    stableConnectionMs: deadline('stableConnectionMs', 30_000),
    connectTimeoutMs: deadline('connectTimeoutMs', 30_000),
    keepAliveMs: keepAliveSec * 1000,
    pingTimeoutMs: deadline('pingTimeoutMs', keepAliveSec * 500),
    jitter,
    // Unset: 'retry' with the mongoose profile, as Mongoose does, else 'stop' (R81).
    onRefused:
      options.onRefused === undefined
        ? mongoose
          ? 'retry'
          : 'stop'
        : checkOneOf('onRefused', options.onRefused, ['retry', 'stop'] as const),
  };
  if (options.mqtt5 === undefined && servers.some((s) => s.protocolVersion === 5)) {
    throw new ConfigError(
      'protocolVersion',
      "5 needs the MQTT 5 profile, which this entry point leaves out (the browser's)",
    );
  }
  checkVersionedOptions(options, servers);
  return { input: shared({ servers: timings, options: lifecycle }), servers };
}
