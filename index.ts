/**
 * mqtt-lifeline: an MQTT 3.1.1 client whose connection lifecycle is a formally specified,
 * event-sourced XState v5 statechart (docs/spec.md).
 *
 * @packageDocumentation
 */

import { wireNodeDebuglog } from './adapters/logging/debuglog.js';

export { clockFromScheduler, type RuntimeClock, systemClock } from './adapters/clock.js';
export * from './adapters/mongoose.js';
export {
  loadMongooseConfig,
  MONGOOSE_MQTT_DEFAULTS,
  MONGOOSE_MQTT1_DEFAULTS,
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
  checkReplay,
  fromJsonLines,
  type Journal,
  type JournalEntry,
  type JournalEvent,
  type JournalHeader,
  journalHeader,
  type ReplayMismatch,
  type ReplayStep,
  replay,
  toJsonLines,
} from './machines/journal.js';
export type { ConnectOptions, WillOptions } from './protocol/connect.js';
export type { InboundPacket, InboundPublish } from './protocol/decoder.js';
export { PacketIdAllocator } from './protocol/packetIds.js';
export {
  DEFAULT_SESSION_OPTIONS,
  type DropReason,
  MONGOOSE_SESSION_OPTIONS,
  MqttSession,
  type OverflowPolicy,
  type PublishCallback,
  type PublishResult,
  type QoS,
  type ResolvedSessionOptions,
  SessionCore,
  type SessionEvent,
  type SessionIO,
  type SessionOptions,
  type SubscribeCallback,
  type SubscribeResult,
  SubscriptionCancelledError,
  type SubscriptionInfo,
  type UnsubscribeCallback,
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
export { type Logger, setDefaultLogger } from './runtime/trace.js';
export * from './streams/index.js';

// The Node entry's one side effect: NODE_DEBUG=mqtt-lifeline turns the trace on (spec R90).
wireNodeDebuglog();
