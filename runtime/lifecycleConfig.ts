/**
 * How a `LifecycleClient` is built, apart from what it does once built: its options and their key
 * table, the checks and client ids made before any connection exists, and the journal recorder.
 */
import type { JournalEntry } from '../machines/journalFormat.js';
import { buildConnect, generateClientId } from '../protocol/connect.js';
import type { ConnectionConfig } from './connection.js';
import type { DriverOptions, LifecycleDriver } from './drivers.js';
import { connectOptionsOf } from './handshake.js';
import type { InspectObserver, StepInspectionFactory } from './inspection.js';
import type { KeyTable } from './optionKeys.js';
import { LIFECYCLE_OPTION_KEYS, type NormalisedOptions, type ServerConfig } from './options.js';
import { DRIVER_FACTORY } from './ports.js';

/** Options of {@link LifecycleClient}. */
export interface LifecycleClientConfig extends ConnectionConfig {
  /** Keep every journal entry in memory (`true`) or stream each to a function. @default false */
  readonly journal?: boolean | ((entry: JournalEntry) => void);
  /**
   * An XState inspection observer (`createActor`'s `inspect`), with either driver: it hears the
   * connection machine's `@xstate.actor`, `@xstate.event`, `@xstate.action` and `@xstate.snapshot`
   * events, so `@statelyai/inspect`'s inspectors work unchanged (spec R120). @default none
   */
  readonly inspect?: InspectObserver;
  /**
   * What lets the step driver (the default) send `inspect` its events: `stepInspection`. The
   * browser entry leaves it out of its bundle, so pass it there with `inspect`; without it,
   * `inspect` with the step driver is a `ConfigError` (spec R367). The actor driver needs none.
   * @default the entry point's (Node: `stepInspection`; browser: none)
   */
  readonly inspection?: StepInspectionFactory;
  /** @internal How the embedded client runs the statechart (see `DRIVER_FACTORY`). @default none */
  readonly [DRIVER_FACTORY]?: (options: DriverOptions) => LifecycleDriver;
}

/** The options of `LifecycleClient`'s constructor. */
export const LIFECYCLE_CONFIG_KEYS = {
  ...LIFECYCLE_OPTION_KEYS,
  closeGraceMs: 1,
  journal: 1,
  inspect: 1,
  inspection: 1,
} as const satisfies KeyTable<LifecycleClientConfig>;

/** One generated id per server, kept across reconnects (and reconfigurations) so a persistent session can resume. */
export function clientIds(
  options: NormalisedOptions,
  previous: readonly string[],
  random: () => number,
): string[] {
  return options.servers.map((s, i) => s.clientId || previous[i] || generateClientId(random));
}

/**
 * Builds each server's CONNECT once, so that a bad static CONNECT option is a synchronous, typed
 * error of the constructor or `configure` rather than a failed connection later.
 * @param options - The normalised options.
 * @param ids - The client id of each server, in order.
 */
export function checkConnectOptions(options: NormalisedOptions, ids: readonly string[]): void {
  options.servers.forEach((server, i) => {
    const connect = connectOptionsOf(server as ServerConfig, ids[i]);
    // Will properties are MQTT 5's (R300): the 3.1.1 check refuses them, so an MQTT 5 server's
    // will is checked here without them (its CONNECT builder checks them when it connects).
    const will = connect.will;
    buildConnect(
      server.protocolVersion === 5 && will !== undefined
        ? { ...connect, will: { ...will, properties: undefined } }
        : connect,
    );
  });
}

/**
 * What the driver records each journal entry with: a function sink (guarded, its throws go to
 * `report`), the in-memory `entries`, or nothing with the journal off.
 */
export function journalRecorder(
  sink: LifecycleClientConfig['journal'],
  entries: JournalEntry[] | null,
  report: (thrown: unknown) => void,
): ((entry: JournalEntry) => void) | undefined {
  if (typeof sink === 'function')
    // A throwing journal sink must not abort the statechart's step (R63).
    return (entry) => {
      try {
        sink(entry);
      } catch (thrown) {
        report(thrown);
      }
    };
  return entries !== null ? (entry) => void entries.push(entry) : undefined;
}
