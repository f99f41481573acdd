/**
 * Shared subscriptions, `$share/<group>/<filter>` (MQTT 5 section 4.8.2; mosquitto honours them for
 * MQTT 3.1.1 clients too): the broker spreads the messages matching `<filter>` over the group's
 * subscribers, and what arrives carries the topic it was published to, so a message is routed to
 * a shared subscription by its filter part (spec R130-R132). Import these through `./topics.js`.
 *
 * @module
 */
import { InvalidTopicError } from '../errors.js';

const PREFIX = '$share/';
const DOLLAR = 0x24;

/**
 * Where the filter part of a shared subscription's filter starts: the length of its
 * `$share/<group>/` prefix, or 0 when `filter` is not a shared subscription's. Not validated: it
 * runs for every add, remove and match; {@link checkSharedFilter} validates.
 *
 * @param filter - A topic filter.
 * @returns An index into `filter`; 0 for an ordinary filter.
 */
export function sharedPrefixLength(filter: string): number {
  if (filter.charCodeAt(0) !== DOLLAR || !filter.startsWith(PREFIX)) return 0;
  const slash = filter.indexOf('/', PREFIX.length);
  return slash === -1 ? 0 : slash + 1;
}

/**
 * Checks the shared-subscription rules of MQTT 5 section 4.8.2 (spec R130): after `$share/`, a
 * share name of at least one character [MQTT-4.8.2-1] without `+` or `#`, followed by `/` and a
 * topic filter [MQTT-4.8.2-2]. The filter part's own rules are the caller's to check.
 *
 * @param filter - A topic filter.
 * @returns Where the filter part starts; 0 when `filter` does not start with `$share/`.
 * @throws {@link InvalidTopicError} naming the rule the filter breaks.
 */
export function checkSharedFilter(filter: string): number {
  if (filter.charCodeAt(0) !== DOLLAR || !filter.startsWith(PREFIX)) return 0;
  const slash = filter.indexOf('/', PREFIX.length);
  const group = filter.slice(PREFIX.length, slash === -1 ? filter.length : slash);
  if (group.length === 0) {
    throw new InvalidTopicError(filter, 'a shared subscription needs a share name: $share/<group>/<filter>');
  }
  if (group.includes('+') || group.includes('#')) {
    throw new InvalidTopicError(filter, 'a share name must not contain the wildcards + or #');
  }
  if (slash === -1 || slash === filter.length - 1) {
    throw new InvalidTopicError(filter, 'a shared subscription needs a topic filter after its share name');
  }
  return slash + 1;
}
