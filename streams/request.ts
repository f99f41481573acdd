/**
 * MQTT 5 request / response as an Observable (spec R297-R299): cold, one request per
 * subscription, which emits the response and completes, or errors with the request's typed error;
 * unsubscribing first cancels the request.
 *
 * @module
 */

import type { MqttError } from '../errors.js';
import type { Message } from '../runtime/types.js';
import { Observable } from './rx.js';

/** What sends requests: the client's requester (`runtime/request.ts`). */
export interface RequestSender<O> {
  /**
   * Sends a request; `done` gets its outcome once, unless the returned function cancels it.
   * @returns Cancels the request.
   */
  send(
    topic: string,
    payload: Uint8Array | string,
    options: O,
    done: (outcome: { readonly response: Message } | { readonly error: MqttError }) => void,
  ): () => void;
}

/**
 * A request as a cold Observable (R297): each subscription sends one request, emits its response
 * and completes; it errors with `TimeoutError`, `ClientClosedError` or the publish's error (R299);
 * unsubscribing before the response cancels the request and its timer.
 * @example
 * client.request$('svc/time', 'now?').pipe(timeout(5000)).subscribe((m) => console.log(m.payload));
 */
export function request$<O>(
  sender: RequestSender<O>,
  topic: string,
  payload: Uint8Array | string,
  options: O,
): Observable<Message> {
  return new Observable<Message>((subscriber) =>
    sender.send(topic, payload, options, (outcome) => {
      if ('error' in outcome) subscriber.error(outcome.error);
      else {
        subscriber.next(outcome.response);
        subscriber.complete();
      }
    }),
  );
}
