/**
 * The topic observers of `MqttClient.addTopicObserver`: which filters the session subscribes and
 * unsubscribes as observers come and go, and how a refused filter reaches its observers.
 */
import { SubscribeError } from '../errors.js';
import type { MqttSession, QoS } from '../protocol/session.js';
import type { TopicRoutes } from './topicRoutes.js';
import type { TopicObserver } from './types.js';

/**
 * Adds `observer` of `filter` to `routes`: the filter's first observer subscribes it, and the
 * returned function (idempotent) removes the observer, unsubscribing the filter with its last.
 */
export function observeTopic(
  routes: TopicRoutes,
  session: MqttSession,
  filter: string,
  qos: QoS,
  observer: TopicObserver,
): () => void {
  // A new filter is subscribed first: an invalid one throws before the routes hold it.
  if (!routes.has(filter)) session.subscribe(filter, qos);
  routes.add(filter, observer);
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    if (routes.remove(filter, observer)) session.unsubscribe(filter);
  };
}

/** Errors the observers of a refused `filter`, if any observe it. */
export function refuseTopic(
  routes: TopicRoutes | undefined,
  filter: string,
  reasonCode: number | undefined,
  reason: string | undefined,
): void {
  // R245: an MQTT 5 code says why. (`refuse` passes over a filter nobody observes.)
  routes?.refuse(filter, new SubscribeError(filter, reasonCode, reason));
}
