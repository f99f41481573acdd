/**
 * `mqtt-lifeline/machine`: the connection statechart, its schedule and its journal, alone. No Node
 * built-ins and no rxjs (checked by test/entries.test.ts), so a browser, a visualiser or a test can
 * import the machine without the client.
 *
 * @packageDocumentation
 */
export { ConfigError, type ErrorData, MqttError, type MqttErrorCode } from '../errors.js';
export {
  INITIAL_T_MS,
  jittered,
  type NextRetry,
  nextEnabledServer,
  nextRetry,
  type ScheduleState,
  type ServerTiming,
} from './backoff.js';
export {
  type ConnectionContext,
  type ConnectionMachine,
  connectionMachine,
  MACHINE_VERSION,
} from './connection.js';
export type {
  ConnackProperties,
  ConnectionEvent,
  ConnectionEventType,
  ConnectionInput,
  LifecycleEvent,
  LifecycleOptions,
  ServerWord,
} from './events.js';
export {
  fromJsonLines,
  JOURNAL_FORMAT,
  JOURNAL_VERSION,
  type Journal,
  type JournalEntry,
  type JournalEvent,
  type JournalHeader,
  journalHeader,
  REPLAYABLE_MACHINE_VERSIONS,
  type ReplayStep,
  replay,
  toJsonLines,
} from './journal.js';
export {
  BUSY_CODES,
  CONNACK_FINAL,
  type ConnackDecision,
  connackDecision,
  type DisconnectDecision,
  disconnectDecision,
  MAX_REDIRECTS,
  type RingState,
  redirectRing,
  SERVER_MOVED,
  SERVER_SHUTTING_DOWN,
  SESSION_TAKEN_OVER,
  USE_ANOTHER_SERVER,
} from './v5.js';
