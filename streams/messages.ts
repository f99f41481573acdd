import type { QoS } from '../protocol/session.js';
import type { Message } from '../runtime/types.js';
import { type DecodeOptions, decode } from './decode.js';
import { map, Observable, type OperatorFunction } from './rx.js';
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

/** Maps each message to its payload decoded as UTF-8 text. */
export function text(): OperatorFunction<Message, string> {
  const decoder = new TextDecoder();
  return map((message) => decoder.decode(message.payload));
}

/**
 * Maps each message to its payload parsed as JSON. A payload that is not JSON is dropped and
 * handed to `options.onError` (default `'skip'`); the subscription goes on (spec R87).
 *
 * @example
 * client.subscribe('sensors/+/temp').pipe(json({ onError: (e) => console.warn(e.message) }))
 */
export function json<T = unknown>(options: DecodeOptions = {}): OperatorFunction<Message, T> {
  const decoder = new TextDecoder();
  return decode((message) => JSON.parse(decoder.decode(message.payload)) as T, options);
}
