import { Observable, type OperatorFunction } from 'rxjs';
import { DecodeError } from '../errors.js';
import type { Message } from '../runtime/types.js';

/**
 * What a decoder does with a payload it cannot decode (spec R87): `'skip'` drops the message,
 * `'error'` errors the stream with a {@link DecodeError} (which ends the subscription, and the last
 * one sends UNSUBSCRIBE), a function is called with the error and the message, which is dropped.
 */
export type DecodeErrorHandler = 'skip' | 'error' | ((error: DecodeError, message: Message) => void);

/** Options of {@link decode} and `json()`. */
export interface DecodeOptions {
  /** What to do with a payload that does not decode. @default 'skip' */
  readonly onError?: DecodeErrorHandler;
}

/**
 * Maps each message through `parse`. A message `parse` throws on is dropped and handed to
 * `options.onError` as a {@link DecodeError}: one malformed payload from any publisher does not end
 * the subscription (spec R87).
 *
 * @example
 * client.subscribe('cbor/#').pipe(decode((m) => cbor.decode(m.payload), { onError: (e) => log.warn(e.message) }))
 */
export function decode<T>(
  parse: (message: Message) => T,
  options: DecodeOptions = {},
): OperatorFunction<Message, T> {
  const onError = options.onError ?? 'skip';
  return (source) =>
    new Observable<T>((subscriber) =>
      source.subscribe({
        next(message) {
          let value: T;
          try {
            value = parse(message);
          } catch (cause) {
            const error = new DecodeError(message.topic, { cause });
            if (onError === 'error') subscriber.error(error);
            else if (onError !== 'skip') {
              try {
                onError(error, message);
              } catch (thrown) {
                // A throwing handler is the user's error: the stream carries it rather than lose it.
                subscriber.error(thrown);
              }
            }
            return;
          }
          // Outside the try: an error downstream is not a decoding error.
          subscriber.next(value);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
}
