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
  ConnectionEvent,
  ConnectionEventType,
  ConnectionInput,
  LifecycleEvent,
  LifecycleOptions,
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
  type ReplayStep,
  replay,
  toJsonLines,
} from './journal.js';
