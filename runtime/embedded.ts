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
import { type ActorLogic, type ActorRefFrom, type AnyActorRef, createActor, type Snapshot } from 'xstate';
import { errorFromData, InvalidArgumentError, MqttError } from '../errors.js';
import type { ConnectionMachine } from '../machines/connection.js';
import type { QoS } from '../protocol/sessionTypes.js';
import { MqttClient } from './client.js';
import {
  DRIVER_FACTORY,
  type DriverOptions,
  journaller,
  type LifecycleDriver,
  machineFor,
} from './drivers.js';
import type { CommandId, MqttActorCommand, MqttActorEvent, MqttActorInput } from './embeddedEvents.js';
import { withDefaults } from './options.js';
import type { RuntimeDefaults } from './ports.js';
import type { ClientEvent } from './types.js';

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

/** What one running embedded client keeps besides its snapshot. */
interface Instance {
  readonly input: MqttActorInput;
  /** Set on stop: nothing more goes to the parent, which is stopping too. */
  stopping: boolean;
  /** The server of the last attempt (for `mqtt.failover`). */
  lastServer: { readonly name: string; readonly index: number } | undefined;
  /** Ends the journal's watch on the system's inspection events. */
  unwatch: (() => void) | undefined;
}

const instances = new WeakMap<AnyActorRef, Instance>();

const ignore = (): void => {};

/** Relays `event` from `self` to its parent (as `sendBack` does, so an inspector sees the source). */
function toParent(self: AnyActorRef, event: MqttActorEvent): void {
  const parent = self._parent;
  if (parent === undefined) return;
  const system = self.system as unknown as {
    _relay?: (from: AnyActorRef, to: AnyActorRef, e: object) => void;
  };
  if (system._relay !== undefined) system._relay(self, parent, event);
  else parent.send(event);
}

/** A thrown value as the typed error an answer carries. */
function typed(thrown: unknown): MqttError {
  return thrown instanceof MqttError ? thrown : new InvalidArgumentError(String(thrown), { cause: thrown });
}

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
      log(inspection.event, (inspection.snapshot as unknown as { value: import('xstate').StateValue }).value);
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

/** A client event as the parent's event, or undefined for those it does not hear. */
function parentEvent(event: ClientEvent, instance: Instance): MqttActorEvent | undefined {
  switch (event.type) {
    case 'message':
      // A copy: the session's payload is a view into the receive buffer (spec R172).
      return {
        type: 'mqtt.message',
        topic: event.topic,
        payload: event.payload.slice(),
        qos: event.qos,
        retain: event.retain,
      };
    case 'connecting':
      return {
        type: 'mqtt.connecting',
        server: event.server,
        serverIndex: event.serverIndex,
        attempt: event.attempt,
      };
    case 'connect.error':
      return { ...event, type: 'mqtt.connect.error', error: errorFromData(event.error) };
    case 'connected':
      return { ...event, type: 'mqtt.connected' };
    case 'ready':
      return { type: 'mqtt.ready', server: event.server };
    case 'disconnected':
      return {
        ...event,
        type: 'mqtt.disconnected',
        error: event.error === null ? null : errorFromData(event.error),
      };
    case 'backoff':
      return { ...event, type: 'mqtt.backoff' };
    case 'stopped':
      instance.lastServer = undefined;
      return { type: 'mqtt.stopped', error: event.error === null ? null : errorFromData(event.error) };
    case 'drop':
      return { ...event, type: 'mqtt.drop' };
    case 'drain':
      return { type: 'mqtt.drain' };
    case 'protocol.error':
      return { ...event, type: 'mqtt.protocol.error' };
    default:
      return undefined;
  }
}

/** Sends the parent what the client reports: `mqtt.failover` ahead of the attempt that is one (R173). */
function forward(self: AnyActorRef, instance: Instance, event: ClientEvent): void {
  if (instance.stopping) return;
  if (event.type === 'connecting') {
    const last = instance.lastServer;
    if (last !== undefined && last.index !== event.serverIndex)
      toParent(self, {
        type: 'mqtt.failover',
        from: last.name,
        fromIndex: last.index,
        to: event.server,
        toIndex: event.serverIndex,
      });
    instance.lastServer = { name: event.server, index: event.serverIndex };
  }
  const out = parentEvent(event, instance);
  if (out !== undefined) toParent(self, out);
}

/** Carries out one command; its answer goes to the parent (spec R174). */
function command(
  self: AnyActorRef,
  snapshot: MqttActorSnapshot,
  instance: Instance,
  event: MqttActorCommand,
): void {
  const { client } = snapshot;
  const answer = (reply: MqttActorEvent) => {
    if (!instance.stopping) toParent(self, reply);
  };
  switch (event.type) {
    case 'mqtt.connect':
      client.connect().catch(ignore); // the outcome arrives as mqtt.connected / mqtt.stopped
      return;
    case 'mqtt.publish':
      publish(client, event, answer);
      return;
    case 'mqtt.subscribe': {
      const { filter, id } = event;
      try {
        client.session.subscribe(filter, event.qos ?? 0, (result) =>
          answer(
            'granted' in result
              ? { type: 'mqtt.subscribe.done', id, filter, granted: result.granted }
              : { type: 'mqtt.subscribe.error', id, filter, error: result.error },
          ),
        );
      } catch (thrown) {
        answer({ type: 'mqtt.subscribe.error', id, filter, error: typed(thrown) });
      }
      return;
    }
    case 'mqtt.unsubscribe': {
      const { filter, id } = event;
      try {
        client.session.unsubscribe(filter, (error) =>
          answer(
            error === undefined
              ? { type: 'mqtt.unsubscribe.done', id, filter }
              : { type: 'mqtt.unsubscribe.error', id, filter, error },
          ),
        );
      } catch (thrown) {
        answer({ type: 'mqtt.unsubscribe.error', id, filter, error: typed(thrown) });
      }
      return;
    }
    case 'mqtt.disconnect': {
      const id: CommandId = event.id;
      const keepQueue = event.keepQueue ?? instance.input.keepQueue;
      client
        .disconnect(keepQueue === undefined ? {} : { keepQueue })
        .then(() => answer({ type: 'mqtt.disconnect.done', id }), ignore);
      return;
    }
    default:
      return;
  }
}

function publish(
  client: MqttClient,
  event: Extract<MqttActorCommand, { type: 'mqtt.publish' }>,
  answer: (reply: MqttActorEvent) => void,
): void {
  const { topic, id } = event;
  try {
    // Quiet: no completion callback at all, so the session does exactly what publishNow does (R177).
    const done =
      event.quiet === true
        ? undefined
        : (error?: MqttError) =>
            answer(
              error === undefined
                ? { type: 'mqtt.publish.done', id, topic }
                : { type: 'mqtt.publish.error', id, topic, error },
            );
    client.publishNow(topic, event.payload, (event.qos ?? 0) as QoS, event.retain ?? false, done);
  } catch (thrown) {
    answer({ type: 'mqtt.publish.error', id, topic, error: typed(thrown) });
  }
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
      const client = new MqttClient(
        Object.assign({}, withDefaults(input, defaults), {
          [DRIVER_FACTORY]: (options: DriverOptions) => {
            const driver = childDriver(self, options, instance);
            connection = driver.actor;
            return driver;
          },
        }),
      );
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
      command(self, snapshot, instance, event);
      return snapshot;
    },
    // A live connection cannot be persisted: only its status is; its durable part is the session store.
    getPersistedSnapshot: (snapshot) =>
      ({ status: snapshot.status, output: undefined, error: snapshot.error }) as Snapshot<unknown>,
  };
}
