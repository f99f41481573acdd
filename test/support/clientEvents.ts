/**
 * Waiting for {@link MqttClient} events (lifecycle, session and protocol) and for aedes broker
 * events in integration tests: by the event, never by sleeping. A waiter must be created before
 * the action that causes the event, since events are delivered synchronously.
 */
import type { Aedes } from 'aedes';
import type { ClientEvent, MqttClient } from '../../runtime/client.js';

/** The client event of type `T`. */
export type EventOf<T extends ClientEvent['type']> = Extract<ClientEvent, { type: T }>;

/** A client event as recorded: `message` payloads are copied to text (the live payload is a view). */
export type Recorded =
  | Exclude<ClientEvent, { type: 'message' }>
  | (EventOf<'message'> & { readonly text: string });

/** Records every event of `client` from now on. */
export function recordClient(client: MqttClient): Recorded[] {
  const seen: Recorded[] = [];
  client.onEvent((event) => {
    if (event.type === 'message') {
      seen.push({
        ...event,
        payload: event.payload.slice(),
        text: Buffer.from(event.payload).toString('utf8'),
      });
    } else seen.push(event);
  });
  return seen;
}

/** A short description of an event, for timeout messages. */
function describe(event: ClientEvent): string {
  switch (event.type) {
    case 'message':
      return `message(${event.topic})`;
    case 'connecting':
    case 'backoff':
      return `${event.type}(${event.server})`;
    case 'drop':
      return `drop(${event.reason})`;
    case 'protocol.error':
      return `protocol.error(${event.code})`;
    default:
      return event.type;
  }
}

/**
 * Resolves with the `count`-th event of type `type` (counting from now) that `predicate` accepts;
 * rejects after `timeoutMs` with the events seen meanwhile.
 */
export function waitForClientEvent<T extends ClientEvent['type']>(
  client: MqttClient,
  type: T,
  predicate: (event: EventOf<T>) => boolean = () => true,
  { count = 1, timeoutMs = 4000 }: { count?: number; timeoutMs?: number } = {},
): Promise<EventOf<T>> {
  return new Promise((resolve, reject) => {
    const seen: string[] = [];
    let matched = 0;
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${count} x ${type} within ${timeoutMs} ms; saw: ${seen.join(', ')}`));
    }, timeoutMs);
    const off = client.onEvent((event) => {
      seen.push(describe(event));
      if (event.type !== type || !predicate(event as EventOf<T>) || ++matched < count) return;
      clearTimeout(timer);
      off();
      resolve(event as EventOf<T>);
    });
  });
}

/** Resolves when `collected()` holds at least `count` items, checked after each client event. */
export function waitForCount<T>(
  client: MqttClient,
  collected: () => readonly T[],
  count: number,
  timeoutMs = 4000,
): Promise<void> {
  if (collected().length >= count) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`only ${collected().length} of ${count} within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = client.onEvent(() => {
      if (collected().length < count) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

/** The arguments of aedes's `subscribe`, `unsubscribe` and `publish` events. */
interface BrokerEvents {
  subscribe: [subscriptions: { topic: string; qos: number }[], client: { id: string } | null];
  unsubscribe: [unsubscriptions: string[], client: { id: string } | null];
  publish: [
    packet: { topic: string; qos: number; dup: boolean; retain: boolean; payload: Buffer | string },
    client: { id: string } | null,
  ];
}

/**
 * Resolves with the arguments of the next aedes `event` that `predicate` accepts; rejects after
 * `timeoutMs`.
 */
export function waitForBroker<K extends keyof BrokerEvents>(
  broker: Aedes,
  event: K,
  predicate: (...args: BrokerEvents[K]) => boolean,
  timeoutMs = 4000,
): Promise<BrokerEvents[K]> {
  return new Promise((resolve, reject) => {
    const emitter = broker as unknown as NodeJS.EventEmitter;
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`no matching aedes '${event}' event within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (...args: unknown[]) => {
      if (!predicate(...(args as BrokerEvents[K]))) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(args as BrokerEvents[K]);
    };
    emitter.on(event, listener);
  });
}

/** Records aedes `event`s from client `clientId` (as `map` describes them) from now on. */
export function recordBroker<K extends keyof BrokerEvents, R>(
  broker: Aedes,
  event: K,
  clientId: string,
  map: (...args: BrokerEvents[K]) => R,
): R[] {
  const seen: R[] = [];
  (broker as unknown as NodeJS.EventEmitter).on(event, (...args: unknown[]) => {
    const typed = args as BrokerEvents[K];
    if (typed[1]?.id === clientId) seen.push(map(...typed));
  });
  return seen;
}
