import type { QoS } from '../protocol/session.js';
import type { Message } from '../runtime/types.js';
import { Observable } from './rx.js';
import type { StreamSource } from './source.js';

/** Every message the client receives, whichever subscription it matched (or none). */
export function messages$(source: StreamSource): Observable<Message> {
  return new Observable<Message>((subscriber) => source.onMessage((message) => subscriber.next(message)));
}

/**
 * The messages matching a topic filter (`+` one level, `#` the rest). Subscribing to the
 * Observable subscribes to the filter (SUBSCRIBE goes out, and again after every reconnect);
 * the last unsubscribe sends UNSUBSCRIBE. A SUBACK failure errors it with `SubscribeError`.
 *
 * @param options.qos - The requested QoS. @default 0
 * @example
 * subscribe(client, 'sensors/+/temp', { qos: 1 }).pipe(text()).subscribe(console.log);
 */
export function subscribe(
  source: StreamSource,
  filter: string,
  options: { qos?: QoS } = {},
): Observable<Message> {
  return new Observable<Message>((subscriber) =>
    source.addTopicObserver(filter, options.qos ?? 0, {
      next: (message) => subscriber.next(message),
      error: (error) => subscriber.error(error),
    }),
  );
}

// In their own module with the rxjs operators they need, which a bundle without them leaves out.
export { json, text } from './payloads.js';
