/**
 * What the integration tests start over real sockets, each tied to the test's teardown by
 * {@link useResources}, plus a server entry and a connect helper at test speed.
 */
import { LifecycleClient, MqttClient } from '../../adapters/node.js';
import type { MqttClientOptions } from '../../runtime/client.js';
import type { LifecycleClientConfig } from '../../runtime/lifecycleClient.js';
import type { ServerConfig } from '../../runtime/options.js';
import {
  type AedesHandle,
  type AedesStartOptions,
  type MosquittoHandle,
  type MosquittoStartOptions,
  startAedes,
  startMosquitto,
} from './brokers.js';
import { type Defer, useCleanups } from './cleanups.js';
import { type EventOf, waitForClientEvent } from './clientEvents.js';
import { type FakeBroker, type FakeScript, startFakeBroker } from './fakeBroker.js';
import { validatorOptionsFor, withWireCheck } from './wireCheck.js';
import { startWireTap, type WireTap } from './wireTap.js';
import { WireValidator, type WireValidatorOptions } from './wireValidator.js';

/**
 * A loopback server entry with short retry delays, so reconnect scenarios run in tens of ms;
 * `extra` overrides any field.
 */
export const server = (port: number, extra: Partial<ServerConfig> = {}): ServerConfig => ({
  host: '127.0.0.1',
  port,
  minDelayMs: 20,
  maxDelayMs: 40,
  ...extra,
});

/**
 * Connects `client` and resolves with its `connected` event. The waiter is set up before the call,
 * since events are delivered synchronously.
 */
export async function connect(client: MqttClient): Promise<EventOf<'connected'>> {
  const connected = waitForClientEvent(client, 'connected');
  client.connect();
  return connected;
}

/**
 * Client defaults for tests: no jitter, so retry gaps are exact, and no keep-alive, so no PINGREQ
 * shows up among the packets a test asserts on. Options passed in override them.
 */
const TEST_CLIENT = { jitter: 0, keepAliveSec: 0 } as const;

/** Starters whose results are torn down after the current test; see {@link useResources}. */
export interface Resources {
  /** Registers a teardown of anything else the test starts. */
  readonly defer: Defer;
  /** Registers `client.disconnect()` as a teardown; returns `client`. */
  own<T extends { disconnect(): unknown }>(client: T): T;
  /** Starts an aedes broker (see {@link startAedes}). */
  aedes(options?: AedesStartOptions): Promise<AedesHandle>;
  /** Starts a mosquitto (see {@link startMosquitto}); torn down thawed, so a frozen one can die. */
  mosquitto(options?: MosquittoStartOptions): Promise<MosquittoHandle>;
  /** Starts a wire tap in front of `port` (see {@link startWireTap}); its connections are checked at teardown. */
  tap(port: number): Promise<WireTap>;
  /** Starts a scripted broker (see {@link startFakeBroker}). */
  fakeBroker(script: FakeScript): Promise<FakeBroker>;
  /**
   * A new, not yet connected {@link MqttClient} with the test defaults under `options`; its wire
   * is checked (see {@link Resources.checked}).
   */
  makeClient(options: MqttClientOptions): MqttClient;
  /** A new, not yet connected {@link LifecycleClient} with the test defaults under `config`; its wire is checked. */
  lifecycleClient(config: LifecycleClientConfig): LifecycleClient;
  /**
   * `options` with every transport wrapped by a {@link WireValidator} (spec R225), whose verdict
   * fails the test at teardown, after the client is gone: for tests that construct a client
   * themselves. The validator is returned too, for tests that look at it.
   */
  checked<T extends MqttClientOptions>(options: T): T;
  /** The validators made so far in this test (for assertions that they saw traffic). */
  readonly validators: readonly WireValidator[];
}

/**
 * Registers the teardown afterEach in the calling test file (call it once, at module level) and
 * returns starters bound to it.
 */
export function useResources(): Resources {
  const defer = useCleanups();
  const own = <T extends { disconnect(): unknown }>(client: T): T => {
    defer(() => client.disconnect());
    return client;
  };
  /** Registers `handle.close()` as a teardown once `started` resolves; resolves with the handle. */
  const closing = async <T extends { close(): Promise<void> }>(started: Promise<T>): Promise<T> => {
    const handle = await started;
    defer(() => handle.close());
    return handle;
  };
  const validators: WireValidator[] = [];
  const checked = <T extends MqttClientOptions>(options: T): T => {
    const validator = checkedValidator(defer, { ...validatorOptionsFor(options), label: labelOf(options) });
    validators.push(validator);
    defer(() => validators.splice(validators.indexOf(validator), 1));
    return withWireCheck(options, validator);
  };
  return {
    defer,
    own,
    checked,
    validators,
    aedes: (options = {}) => closing(startAedes(options)),
    async mosquitto(options) {
      const broker = await startMosquitto(options);
      defer(async () => {
        broker.thaw();
        await broker.kill();
      });
      return broker;
    },
    async tap(port) {
      const tap = await closing(startWireTap(port));
      // Each connection through it is checked too (spec R225); runs before the tap closes.
      defer(() => tap.assertValid());
      return tap;
    },
    fakeBroker: (script) => closing(startFakeBroker(script)),
    makeClient: (options) => own(new MqttClient(checked({ ...TEST_CLIENT, ...options }))),
    lifecycleClient: (config) => own(new LifecycleClient(checked({ ...TEST_CLIENT, ...config }))),
  };
}

/**
 * A {@link WireValidator} whose verdict fails the test at teardown (spec R225). Make it before
 * the client it checks, so its check runs after the client's teardown (newest first) and also
 * sees the DISCONNECT.
 */
export function checkedValidator(defer: Defer, options: WireValidatorOptions = {}): WireValidator {
  const validator = new WireValidator(options);
  defer(() => validator.assertValid());
  return validator;
}

/** `options` with every transport checked by a validator that fails the test at teardown (spec R225). */
export function checkedOptions<T extends MqttClientOptions>(defer: Defer, options: T): T {
  return withWireCheck(
    options,
    checkedValidator(defer, { ...validatorOptionsFor(options), label: labelOf(options) }),
  );
}

/** Names a client in validator messages by its first server's client id, if it has one. */
function labelOf(options: MqttClientOptions): string {
  const id = options.servers[0]?.clientId;
  return id === undefined ? 'the client' : `client '${id}'`;
}
