/**
 * mqtt-lifeline: an MQTT 3.1.1 client whose connection lifecycle is a formally specified,
 * event-sourced XState v5 statechart (docs/spec.md).
 *
 * @packageDocumentation
 */

export { clockFromScheduler, type RuntimeClock, systemClock } from './adapters/clock.js';
export * from './adapters/mongoose.js';
export {
  loadMongooseConfig,
  type MongooseServerConfig,
  resolveServerAddress,
} from './adapters/mongooseConfig.js';
export { createTcpTransport, type TcpTransportOptions, tcpTransport } from './adapters/tcp.js';
export type {
  Transport,
  TransportFactory,
  TransportHandlers,
  TransportTarget,
} from './adapters/transport.js';
export * from './errors.js';
export {
  jittered,
  type NextRetry,
  nextEnabledServer,
  nextRetry,
  type ScheduleState,
  type ServerTiming,
} from './machines/backoff.js';
export {
  type ConnectionContext,
  type ConnectionMachine,
  connectionMachine,
  MACHINE_VERSION,
} from './machines/connection.js';
export type {
  ConnectionEvent,
  ConnectionEventType,
  ConnectionInput,
  LifecycleEvent,
  LifecycleOptions,
} from './machines/events.js';
export {
  fromJsonLines,
  type Journal,
  type JournalEntry,
  type JournalEvent,
  type JournalHeader,
  journalHeader,
  type ReplayStep,
  replay,
  toJsonLines,
} from './machines/journal.js';
export type { ConnectOptions, WillOptions } from './protocol/connect.js';
export {
  DEFAULT_SESSION_OPTIONS,
  MONGOOSE_SESSION_OPTIONS,
  type OverflowPolicy,
  type PublishResult,
  type QoS,
  type SessionEvent,
  type SessionOptions,
  type SubscriptionInfo,
} from './protocol/session.js';
export { TopicMatcher, topicMatches, validateTopicFilter, validateTopicName } from './protocol/topics.js';
export {
  type ClientEvent,
  type Message,
  MqttClient,
  type MqttClientOptions,
  type ProtocolErrorEvent,
  type TopicObserver,
} from './runtime/client.js';
export type { ConnectCallOptions } from './runtime/connectWaiters.js';
export {
  type ConnectionSnapshot,
  createActorDriver,
  createStepDriver,
  type DriverOptions,
  type LifecycleDriver,
  type LifecycleHost,
} from './runtime/drivers.js';
export {
  type ClientState,
  LifecycleClient,
  type LifecycleClientConfig,
  type SessionPort,
} from './runtime/lifecycleClient.js';
export type {
  ConnectHook,
  ConnectHookContext,
  LifecycleClientOptions,
  Profile,
  ServerConfig,
} from './runtime/options.js';
export * from './streams/index.js';
