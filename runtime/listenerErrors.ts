/**
 * User code on the receive path (listeners, observers, completion callbacks) is called guarded
 * (spec R63): what it throws is caught and reported, never thrown back into the socket's data
 * callback, so one bad handler cannot leave a message unacknowledged or the decoder failed.
 *
 * @module
 */
import type { ListenerError, ListenerKind } from '../errors.js';

/** Receives a {@link ListenerError}; see `LifecycleClientOptions.onListenerError`. */
export type ListenerErrorHandler = (error: ListenerError) => void;

/**
 * The default {@link ListenerErrorHandler}: the web platform's rule for a throwing event listener (log, go on).
 * The line names the callback kind and the thrown value follows once: an Error's stack already
 * starts with its message, so `error.message` (which quotes it) would print it twice.
 */
export const logListenerError: ListenerErrorHandler = (error) =>
  console.error(`mqtt-lifeline: a ${error.listener} callback threw (the client went on):`, error.cause);

/** Where a throw from user code goes: the client's `reportListenerError`. */
export interface ListenerErrorSink {
  /** Reports what a callback of `kind` threw; never throws. */
  reportListenerError(kind: ListenerKind, thrown: unknown): void;
}

/**
 * Calls every listener with `value`; one that throws is reported and the rest still run.
 * @param listeners - The listeners, iterated once.
 * @param value - Their argument.
 * @param kind - What they are, for the report.
 * @param sink - Where a throw goes.
 */
export function callEach<T>(
  listeners: Iterable<(value: T) => void>,
  value: T,
  kind: ListenerKind,
  sink: ListenerErrorSink,
): void {
  for (const listener of listeners) {
    try {
      listener(value);
    } catch (thrown) {
      sink.reportListenerError(kind, thrown);
    }
  }
}

/**
 * Adds `listener` to `listeners` and returns what removes it: the one way every `on*` and
 * `subscribe` of the runtime registers a listener.
 * @param listeners - The set to add to.
 * @param listener - The listener.
 */
export function listen<T>(listeners: Set<T>, listener: T): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
