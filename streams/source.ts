/**
 * What the stream functions need from a client: listener registration only, so streams stay
 * small pure functions over any source (a real client or a test double).
 */
import type { QoS } from '../protocol/session.js';
import type { ClientEvent, ClientState, Message, TopicObserver } from '../runtime/types.js';

/** The listener surface of {@link MqttClient} that `streams/` builds on. */
export interface StreamSource {
  /** The current coarse state. */
  readonly state: ClientState;
  /** Registers a listener for every client event; returns the function that removes it. */
  onEvent(listener: (event: ClientEvent) => void): () => void;
  /** Registers a listener for every received message. */
  onMessage(listener: (message: Message) => void): () => void;
  /** Adds a consumer of one topic filter (subscribes on the first, unsubscribes after the last). */
  addTopicObserver(filter: string, qos: QoS, observer: TopicObserver): () => void;
}
