/**
 * The client as a child actor of an app's own XState machine (spec R170-R179): `invoke` or
 * `spawn` the logic with the options as `input`. The actor owns an {@link MqttClient} whose
 * connection statechart runs as the actor's own child (`connection`) in the app's actor system,
 * so the app's inspector shows the real states and transitions. Lifecycle and session news go to
 * the parent as `mqtt.*` events; commands come in as events and each is answered.
 *
 * Why logic of its own and not a machine: a command is one switch here, not a macrostep, so
 * commands cost about what the method calls do (spec R177); the statechart is the child.
 *
 * @module
 */
import {
  type ActorLogic,
  type ActorRefFrom,
  type AnyActorRef,
  createActor,
  type Snapshot,
  type StateValue,
} from 'xstate';
import type { ConnectionMachine } from '../machines/connection.js';
import { CLIENT_OPTION_KEYS, MqttClient } from './client.js';
import {
  DRIVER_FACTORY,
  type DriverOptions,
  journaller,
  type LifecycleDriver,
  machineFor,
} from './drivers.js';
import type { MqttActorCommand, MqttActorInput } from './embeddedEvents.js';
import { command, forward, type Instance, ignore } from './embeddedRelay.js';
import { type KeyTable, passOn } from './optionKeys.js';
import { withDefaults } from './options.js';
import type { RuntimeDefaults } from './ports.js';

export type * from './embeddedEvents.js';

/** The connection statechart's actor, the embedded client's child `connection`. */
export type ConnectionActorRef = ActorRefFrom<ConnectionMachine>;

/** The embedded client's snapshot: its status, the client (for the hot path) and its child. */
export type MqttActorSnapshot = Snapshot<undefined> & {
  /**
   * The client itself: `publishNow` and `onMessage` on it skip the actor altogether (spec R177);
   * `client.lifecycle.journal()` is its journal (with `journal: true`).
   */
  readonly client: MqttClient;
  /** The connection statechart, running as this actor's child `connection` (spec R171). */
  readonly connection: ConnectionActorRef;
};

/** The embedded client's logic: what `invoke` and `spawn` take. */
export type MqttClientLogic = ActorLogic<MqttActorSnapshot, MqttActorCommand, MqttActorInput>;

/** The embedded client's actor, as the parent holds it. */
export type MqttClientActorRef = ActorRefFrom<MqttClientLogic>;

/** The `input` of the embedded client (`mqttClientLogic`). */
export const ACTOR_INPUT_KEYS = {
  ...CLIENT_OPTION_KEYS,
  connect: true,
  keepQueue: true,
} as const satisfies KeyTable<MqttActorInput>;

const instances = new WeakMap<AnyActorRef, Instance>();

/**
 * The statechart as `parent`'s child actor `connection`, in `parent`'s system: its delays run on
 * the system's clock; its journal is read from the system's inspection events (as the actor
 * driver reads its own, spec R178). The connection drives it like any driver.
 */
function childDriver(
  parent: AnyActorRef,
  options: DriverOptions,
  instance: Instance,
): LifecycleDriver & { readonly actor: ConnectionActorRef } {
  const actor = createActor(machineFor(options.host), { parent, id: 'connection', input: options.input });
  actor.on('*', (event) => options.host.emitted(event));
  if (options.record !== undefined) {
    const log = journaller(options);
    const subscription = actor.system.inspect((inspection) => {
      // After the step, so the entry records the state it led to (spec R96); the stop is no input.
      if (inspection.type !== '@xstate.snapshot' || inspection.actorRef !== actor) return;
      if (inspection.event.type === 'xstate.stop') return;
      log(inspection.event, (inspection.snapshot as unknown as { value: StateValue }).value);
    });
    instance.unwatch = () => subscription.unsubscribe();
  }
  return {
    actor,
    send: (event) => actor.send(event),
    getSnapshot: () => actor.getSnapshot(),
    subscribe: (listener) => {
      const subscription = actor.subscribe(listener);
      return () => subscription.unsubscribe();
    },
    // The parent stops it (see `shutdown`); its timers are the system's, held as the app holds them.
    stop: ignore,
    ref: ignore,
    unref: ignore,
  };
}

/**
 * The actor is stopping (spec R176): the statechart, still running, stops the way `disconnect()`
 * does (DISCONNECT when a session is up, the transport closed, the queue settled or kept), then
 * it is stopped too. The parent hears nothing more: it is stopping itself.
 */
function shutdown(
  snapshot: MqttActorSnapshot,
  instance: Instance,
  stopChild: (child: AnyActorRef) => void,
): void {
  if (instance.stopping) return;
  instance.stopping = true;
  const { client, connection } = snapshot;
  const keepQueue = instance.input.keepQueue;
  client.disconnect(keepQueue === undefined ? {} : { keepQueue }).catch(ignore);
  if (connection.getSnapshot().status === 'active') stopChild(connection);
  instance.unwatch?.();
}

/**
 * Builds the embedded client's logic over an entry point's defaults (transport, clock): the
 * entries export it as `mqttClientLogic`.
 * @param defaults - What the input does not name (the Node or browser defaults).
 */
export function createMqttClientLogic(defaults: RuntimeDefaults): MqttClientLogic {
  return {
    config: { id: 'mqtt-lifeline' },
    getInitialSnapshot: ({ self }, input) => {
      const instance: Instance = { input, stopping: false, lastServer: undefined, unwatch: undefined };
      let connection: ConnectionActorRef | undefined;
      const options = Object.assign({}, withDefaults(input, defaults), {
        [DRIVER_FACTORY]: (driverOptions: DriverOptions) => {
          const driver = childDriver(self, driverOptions, instance);
          connection = driver.actor;
          return driver;
        },
      });
      // The input takes `connect` and `keepQueue` on top of the client's options (spec R338).
      passOn(options, ACTOR_INPUT_KEYS);
      const client = new MqttClient(options);
      instances.set(self, instance);
      return {
        status: 'active',
        output: undefined,
        error: undefined,
        client,
        connection: connection as ConnectionActorRef,
      };
    },
    start: (snapshot, { self }) => {
      const instance = instances.get(self);
      if (instance === undefined || snapshot.status !== 'active') return;
      snapshot.connection.start();
      snapshot.client.onEvent((event) => forward(self, instance, event));
      if (instance.input.connect !== false) snapshot.client.connect().catch(ignore);
    },
    transition: (snapshot, event, { self, stopChild }) => {
      const instance = instances.get(self);
      if (instance === undefined || snapshot.status !== 'active') return snapshot;
      const type: string = event.type;
      if (type === 'xstate.stop') {
        shutdown(snapshot, instance, stopChild);
        instances.delete(self);
        return { ...snapshot, status: 'stopped' };
      }
      if (type.startsWith('xstate.error.actor')) {
        // The statechart failed (a bug): the client cannot go on; the parent hears it as this actor's error.
        const error = (event as unknown as { error: unknown }).error;
        shutdown(snapshot, instance, stopChild);
        instances.delete(self);
        return { ...snapshot, status: 'error', output: undefined, error };
      }
      command(self, snapshot.client, instance, event);
      return snapshot;
    },
    // A live connection cannot be persisted: only its status is; its durable part is the session store.
    getPersistedSnapshot: (snapshot) =>
      ({ status: snapshot.status, output: undefined, error: snapshot.error }) as Snapshot<unknown>,
  };
}
