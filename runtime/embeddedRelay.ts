/**
 * What passes between the embedded client's actor and its parent (spec R172-R175): the client's
 * events turned into the parent's `mqtt.*` events, and the commands carried out and answered.
 *
 * @module
 */
import type { AnyActorRef } from 'xstate';
import { errorFromData, InvalidArgumentError, MqttError } from '../errors.js';
import type { QoS } from '../protocol/sessionTypes.js';
import type { MqttClient } from './client.js';
import type { CommandId, MqttActorCommand, MqttActorEvent, MqttActorInput } from './embeddedEvents.js';
import type { ClientEvent } from './types.js';

/** What one running embedded client keeps besides its snapshot. */
export interface Instance {
  readonly input: MqttActorInput;
  /** Set on stop: nothing more goes to the parent, which is stopping too. */
  stopping: boolean;
  /** The server of the last attempt (for `mqtt.failover`). */
  lastServer: { readonly name: string; readonly index: number } | undefined;
  /** Ends the journal's watch on the system's inspection events. */
  unwatch: (() => void) | undefined;
}

/** Does nothing: for promises whose outcome arrives as events. */
export const ignore = (): void => {};

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
export function forward(self: AnyActorRef, instance: Instance, event: ClientEvent): void {
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
export function command(
  self: AnyActorRef,
  client: MqttClient,
  instance: Instance,
  event: MqttActorCommand,
): void {
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
