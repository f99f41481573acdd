/**
 * The payload operators `text` and `json`, apart from `messages$`: a bundle that uses only the
 * message streams carries neither them nor their rxjs import.
 *
 * @module
 */
import { map, type OperatorFunction } from 'rxjs';
import type { Message } from '../runtime/types.js';
import { type DecodeOptions, decode } from './decode.js';

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
