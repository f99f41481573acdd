/** Waiting for Mongoose facade and broker events in tests: by the event, never by sleeping. */
import type { EventEmitter } from 'node:events';
import type { AedesPublishPacket, Subscription } from 'aedes';
import {
  type CloudEvent,
  MG_EV,
  type MgEvent,
  type MgMqttMessage,
  type MongooseMqtt,
} from '../../adapters/mongoose/index.js';
import type { ClientEvent } from '../../runtime/client.js';
import type { AedesHandle } from './brokers.js';

/**
 * Resolves with the first value `listen` emits that matches `predicate`; rejects after
 * `timeoutMs` with what was seen, so a failure says what happened instead.
 */
export function waitFor<T>(
  listen: (emit: (value: T) => void) => () => void,
  predicate: (value: T) => boolean = () => true,
  { timeoutMs = 3000, what = 'event' }: { timeoutMs?: number; what?: string } = {},
): Promise<T> {
  return new Promise((resolve, reject) => {
    const seen: string[] = [];
    let off: (() => void) | undefined;
    let done = false;
    const timer = setTimeout(() => {
      off?.();
      reject(new Error(`no ${what} within ${timeoutMs} ms; saw: ${seen.join(', ')}`));
    }, timeoutMs);
    off = listen((value) => {
      if (done) return;
      seen.push(JSON.stringify(value, (_, v) => (v instanceof Uint8Array ? `<${v.length} bytes>` : v)));
      if (!predicate(value)) return;
      done = true;
      clearTimeout(timer);
      // The listener may emit before `listen` returned its remover.
      queueMicrotask(() => off?.());
      resolve(value);
    });
  });
}

/** The next connection-handler event `ev` of the facade (its data). */
export function nextGlobal(
  facade: MongooseMqtt,
  ev: MgEvent,
  predicate: (data: MgMqttMessage | undefined) => boolean = () => true,
): Promise<MgMqttMessage | undefined> {
  return waitFor<{ ev: MgEvent; data: MgMqttMessage | undefined }>(
    (emit) => facade.addGlobalHandler((e, data) => emit({ ev: e, data }), null),
    (x) => x.ev === ev && predicate(x.data),
    { what: `global event ${ev}` },
  ).then((x) => x.data);
}

/** Resolves once the facade's session is up (EV_CONNACK), after calling `globalConnect()`. */
export async function connectFacade(facade: MongooseMqtt): Promise<void> {
  const connack = nextGlobal(facade, MG_EV.MQTT_CONNACK);
  if (!facade.globalConnect()) throw new Error('globalConnect() returned false');
  await connack;
}

/** The next cloud event of `type`. */
export function nextCloud(facade: MongooseMqtt, type: CloudEvent['type']): Promise<CloudEvent> {
  return waitFor<CloudEvent>(
    (emit) => facade.onCloudEvent(emit),
    (e) => e.type === type,
    { what: type },
  );
}

/** The next event of the facade's underlying client that matches. */
export function nextClientEvent(
  facade: MongooseMqtt,
  predicate: (event: ClientEvent) => boolean,
): Promise<ClientEvent> {
  const client = facade.client;
  if (client === undefined) throw new Error('the facade has no client');
  return waitFor<ClientEvent>((emit) => client.onEvent(emit), predicate, { what: 'client event' });
}

/** The next PUBLISH the broker receives from a client on `topic`. */
export function brokerReceives(broker: AedesHandle, topic: string): Promise<AedesPublishPacket> {
  return waitFor<AedesPublishPacket>(
    (emit) => {
      const listener = (packet: AedesPublishPacket, client: unknown) => {
        if (client !== null) emit(packet);
      };
      broker.broker.on('publish', listener);
      return () => broker.broker.off('publish', listener);
    },
    (packet) => packet.topic === topic,
    { what: `PUBLISH on ${topic}` },
  );
}

/** The next SUBSCRIBE (or UNSUBSCRIBE) the broker processes for `filter`: its items as `filter@qos` (or `filter`). */
export function brokerSees(
  broker: AedesHandle,
  kind: 'subscribe' | 'unsubscribe',
  filter: string,
): Promise<string[]> {
  // Both events carry a list; aedes's typed overloads cannot take the union of their names.
  const emitter = broker.broker as unknown as EventEmitter;
  return waitFor<string[]>(
    (emit) => {
      const listener = (items: (Subscription | string)[]) =>
        emit(items.map((i) => (typeof i === 'string' ? i : `${i.topic}@${i.qos}`)));
      emitter.on(kind, listener);
      return () => emitter.off(kind, listener);
    },
    (items) => items.some((i) => i === filter || i.startsWith(`${filter}@`)),
    { what: `${kind} ${filter}` },
  );
}
