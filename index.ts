/**
 * mqtt-lifeline: an MQTT 3.1.1 client whose connection lifecycle is a formally specified,
 * event-sourced XState v5 statechart (docs/spec.md). The Node entry: it wires Node's TCP transport
 * and the system clock into the runtime (see `nodeDefaults`). Other entries:
 * `mqtt-lifeline/mongoose` (the Mongoose OS API) and `mqtt-lifeline/machine` (the statechart,
 * schedule and journal alone, with no Node built-ins and no rxjs).
 *
 * @packageDocumentation
 */

export { SCRAM_SHA_256, type ScramOptions, scramSha256 } from './adapters/auth/scram.js';
export { clockFromScheduler } from './adapters/clocks/scheduler.js';
export { systemClock } from './adapters/clocks/system.js';
export { LifecycleClient, MqttClient, MqttSession, mqttClientLogic, nodeDefaults } from './adapters/node.js';
export {
  FileStore,
  type FileStoreOptions,
  type FsyncPolicy,
  openFileStore,
} from './adapters/stores/file.js';
export { browserTransport } from './adapters/transports/browser.js';
export { type SchemeFactories, transportByScheme } from './adapters/transports/byScheme.js';
export { transportErrorData } from './adapters/transports/classify.js';
export type { FailureContext } from './adapters/transports/errors.js';
export { nodeTransport } from './adapters/transports/node.js';
export { createTcpTransport, type TcpTransportOptions, tcpTransport } from './adapters/transports/tcp.js';
export { createTlsTransport, type TlsTransportOptions, tlsTransport } from './adapters/transports/tls.js';
export { checkTlsSettings } from './adapters/transports/tlsSettings.js';
export {
  createWebsocketTransport,
  type WebSocketConstructor,
  type WebSocketLike,
  type WebSocketTransportOptions,
  websocketTransport,
} from './adapters/transports/websocket.js';
export { createWsTransport, type WsTransportOptions, wsTransport } from './adapters/transports/ws.js';
export {
  CapabilityError,
  ClientClosedError,
  CONNACK_REASONS,
  ConfigError,
  ConnackError,
  ConnectHookError,
  DecodeError,
  type ErrorData,
  errorFromData,
  errors,
  InvalidArgumentError,
  InvalidTopicError,
  ListenerError,
  type ListenerKind,
  MessageDroppedError,
  MqttError,
  type MqttErrorCode,
  NotConnectedError,
  ProtocolError,
  ProtocolViolationError,
  PublishRefusedError,
  ServerDisconnectError,
  SizeLimitError,
  StoreError,
  type StoreFault,
  SubscribeError,
  TimeoutError,
  TransportError,
  type TransportErrorReason,
  UnsubscribeError,
} from './errors.js';
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
export type { StateValue } from './machines/journalFormat.js';
export type { ConnectOptions, WillOptions } from './protocol/connect.js';
export type { InboundPacket, InboundPublish } from './protocol/decoder.js';
export type { OutboundMessage } from './protocol/offlineQueue.js';
export { PacketIdAllocator } from './protocol/packetIds.js';
export {
  DEFAULT_SESSION_OPTIONS,
  type DropReason,
  type MessageHandler,
  MONGOOSE_SESSION_OPTIONS,
  type OverflowPolicy,
  type PublishCallback,
  type PublishResult,
  type QoS,
  type ResolvedSessionOptions,
  type SessionEvent,
  type SessionIO,
  type SessionOptions,
  type SubscribeCallback,
  type SubscribeResult,
  SubscriptionCancelledError,
  type SubscriptionInfo,
  type UnsubscribeCallback,
} from './protocol/session.js';
export {
  attachStore,
  type RestoreTarget,
  type SessionLog,
  type StoreRecovery,
} from './protocol/sessionLog.js';
export {
  MemoryStore,
  type SessionStore,
  type StoredPrint,
  type StoreFaultAction,
  type StoreFaultListener,
  type StoreFaultPolicy,
  type StoreRecord,
} from './protocol/store.js';
export { TopicMatcher, topicMatches, validateTopicFilter, validateTopicName } from './protocol/topics.js';
export type { MessageProperties, ReceivedProperties } from './protocol/v5/messageProps.js';
export type { SubscriptionOptionsV5 } from './protocol/v5/messagePropsSubscribe.js';
export type { Properties, UserProperty, WillProperties } from './protocol/v5/propertyTypes.js';
export type { ReceivedUserProperty } from './protocol/v5Shapes.js';
export type { AuthExchange, AuthMethod } from './runtime/auth.js';
export type {
  ClientEvent,
  DrainEvent,
  ListenerErrorEvent,
  Message,
  MqttClientOptions,
  ProtocolErrorEvent,
  PublishOptions,
  StoreFaultEvent,
  SubscribeOptions,
  TopicObserver,
} from './runtime/client.js';
export type { ConnectCallOptions } from './runtime/connectWaiters.js';
export {
  type ConnectionSnapshot,
  createActorDriver,
  type DriverFactory,
  type DriverOptions,
  type LifecycleDriver,
  type LifecycleHost,
} from './runtime/drivers.js';
export {
  type CommandId,
  type ConnectionActorRef,
  createMqttClientLogic,
  type MqttActorCommand,
  type MqttActorEvent,
  type MqttActorInput,
  type MqttActorSnapshot,
  type MqttClientActorRef,
  type MqttClientLogic,
  type MqttLifecycleEvent,
  type MqttReplyEvent,
  type MqttSessionEvent,
} from './runtime/embedded.js';
export {
  type InspectObserver,
  type StepInspectionFactory,
  type StepInspector,
  stepInspection,
} from './runtime/inspection.js';
export type {
  ClientState,
  LifecycleClientConfig,
  SessionPort,
} from './runtime/lifecycleClient.js';
export type {
  ConnectHook,
  ConnectHookContext,
  LifecycleClientOptions,
  NormalisedServer,
  Profile,
  ServerConfig,
} from './runtime/options.js';
export { withDefaults } from './runtime/options.js';
export type {
  Logger,
  Mqtt5Profile,
  RuntimeClock,
  RuntimeDefaults,
  TlsOptions,
  TracedServer,
  Tracer,
  TracerFactory,
  Transport,
  TransportFactory,
  TransportHandlers,
  TransportScheme,
  TransportTarget,
} from './runtime/ports.js';
export { RESERVE_FULL } from './runtime/ports.js';
export { type Mqtt5ProfileOptions, mqtt5Profile } from './runtime/profileV5.js';
export { type RequestClient, type RequestOptions, type RequestOutcome, request } from './runtime/request.js';
export type { ProtocolVersion } from './runtime/servers.js';
export {
  checkHost,
  DEFAULT_PORTS,
  DEFAULT_WS_PATH,
  parseServerUrl,
  type ServerScheme,
  type ServerUrl,
} from './runtime/serverUrl.js';
export { createStepDriver } from './runtime/stepDriver.js';
export {
  type GrantedSubscription,
  type SubscribeEntry,
  type SubscribeOutcome,
  SubscribeRefusedError,
  type SubscribeRequest,
} from './runtime/subscribeAsync.js';
export { createTracer } from './runtime/trace.js';
export {
  type DecodeErrorHandler,
  type DecodeOptions,
  decode,
  events$,
  json,
  messages$,
  ofType,
  type StreamSource,
  state$,
  subscribe,
  text,
  whenState,
} from './streams/index.js';
export { type RequestSender, request$ } from './streams/request.js';
