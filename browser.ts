/**
 * mqtt-lifeline for browsers: the same statechart, session and journal as the Node entry, over
 * the browser's global `WebSocket`. No Node built-ins and no polyfills (spec R122); rxjs is a
 * peer. The machine and `replay()` alone live in the machine entry, so a client that only records
 * its journal does not carry the replay code. What a default client does not use is left to the
 * app to pass when it wants it: `driver: createActorDriver` for a live actor (spec R230),
 * `storeRecovery: attachStore` with a session store (R231), `inspection: stepInspection` with an
 * `inspect` observer (R367).
 *
 * @packageDocumentation
 */

export { browserDefaults, LifecycleClient, MqttClient } from './adapters/browser.js';
export { systemClock } from './adapters/clocks/system.js';
export { browserTransport } from './adapters/transports/browser.js';
export {
  createWebsocketTransport,
  type WebSocketConstructor,
  type WebSocketLike,
  type WebSocketTransportOptions,
  websocketTransport,
} from './adapters/transports/websocket.js';
export {
  ClientClosedError,
  ConfigError,
  ConnackError,
  type ErrorData,
  InvalidArgumentError,
  InvalidTopicError,
  MessageDroppedError,
  MqttError,
  type MqttErrorCode,
  NotConnectedError,
  ProtocolError,
  ProtocolViolationError,
  PublishRefusedError,
  ServerDisconnectError,
  SizeLimitError,
  SubscribeError,
  TimeoutError,
  TransportError,
  UnsubscribeError,
} from './errors.js';
export type { ConnectionEvent, ConnectionInput, LifecycleEvent } from './machines/events.js';
export {
  type Journal,
  type JournalEntry,
  type JournalEvent,
  type StateValue,
  toJsonLines,
} from './machines/journalFormat.js';
export type { OutboundMessage } from './protocol/offlineQueue.js';
export {
  type MqttSession,
  type QoS,
  type SessionEvent,
  type SessionOptions,
  SubscriptionCancelledError,
} from './protocol/session.js';
export {
  attachStore,
  type RestoreTarget,
  type SessionLog,
  type StoreRecovery,
} from './protocol/sessionLog.js';
export type { SessionStore, StoreRecord } from './protocol/store.js';
export type { AuthExchange, AuthMethod } from './runtime/auth.js';
export type {
  ClientEvent,
  Message,
  MqttClientOptions,
  ProtocolErrorEvent,
  StoreFaultEvent,
} from './runtime/client.js';
export { type ConnectionSnapshot, createActorDriver, type DriverFactory } from './runtime/drivers.js';
export {
  type InspectObserver,
  type StepInspectionFactory,
  type StepInspector,
  stepInspection,
} from './runtime/inspection.js';
export type { ClientState, LifecycleClientConfig } from './runtime/lifecycleClient.js';
export type { ServerConfig } from './runtime/options.js';
export type {
  RuntimeClock,
  RuntimeDefaults,
  Transport,
  TransportFactory,
  TransportHandlers,
  TransportTarget,
} from './runtime/ports.js';
export {
  type GrantedSubscription,
  type SubscribeEntry,
  type SubscribeOutcome,
  SubscribeRefusedError,
  type SubscribeRequest,
} from './runtime/subscribeAsync.js';
