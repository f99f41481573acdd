/**
 * The vocabulary of the connection statechart: what comes in (inputs, all JSON-safe so they can be
 * journalled) and what it emits to users. Event names are dotted lowercase so `'transport.*'`
 * wildcards work.
 */
import type { ErrorData } from '../errors.js';
import type { ServerTiming } from './backoff.js';

/** Lifecycle tuning that the statechart reads from its context (no credentials, no addresses). */
export interface LifecycleOptions {
  /**
   * When the reconnect schedule resets to its start: on CONNACK rc=0 (`'connack'`, Mongoose) or only
   * after the connection stayed up `stableConnectionMs` (`'stable'`).
   * @default 'stable'
   */
  readonly reset: 'connack' | 'stable';
  /** How long a connection must stay up before the schedule resets, in ms (with `reset: 'stable'`). @default 30000 */
  readonly stableConnectionMs: number;
  /** Deadline from the start of an attempt to CONNACK, in ms; 0 = none (Mongoose). @default 30000 */
  readonly connectTimeoutMs: number;
  /** Keep-alive interval, in ms; 0 = no PINGREQ. @default 60000 */
  readonly keepAliveMs: number;
  /** Deadline for PINGRESP after a PINGREQ, in ms; 0 = none (Mongoose). @default keepAliveMs / 2 */
  readonly pingTimeoutMs: number;
  /** Relative jitter of each retry delay: the delay is uniform in nominal x [1 - jitter, 1 + jitter). @default 0.1 */
  readonly jitter: number;
  /**
   * What a refused CONNACK that will not heal by retrying (return codes 1, 2, 4, 5) does:
   * `'retry'` on the schedule like any failure (Mongoose), or `'stop'`: enter `stopped` and report
   * it (spec R81). Return code 3 (server unavailable) is always retried. Absent means `'retry'`.
   * @default 'stop' ('retry' with the mongoose profile)
   */
  readonly onRefused?: 'retry' | 'stop';
}

/** What the statechart is created with. */
export interface ConnectionInput {
  /** The server ring, primary first; at least one must be enabled. */
  readonly servers: readonly ServerTiming[];
  /** Lifecycle options. */
  readonly options: LifecycleOptions;
}

/** Every input event of the statechart. Each is plain JSON, so it can be journalled and replayed. */
export type ConnectionEvent =
  /** The user wants a connection (Mongoose `global_connect`). */
  | { readonly type: 'client.connect' }
  /** The user wants no connection (Mongoose `global_disconnect`). */
  | { readonly type: 'client.disconnect' }
  /** The user changed the configuration (Mongoose `set_config`). */
  | {
      readonly type: 'client.configure';
      readonly servers: readonly ServerTiming[];
      readonly options: LifecycleOptions;
    }
  /** The network came up (Mongoose `MGOS_NET_EV_IP_ACQUIRED`): retry now unless the user disconnected. */
  | { readonly type: 'net.up' }
  /** The transport connected. */
  | { readonly type: 'transport.opened' }
  /** The transport closed. */
  | { readonly type: 'transport.closed' }
  /** The transport failed. */
  | { readonly type: 'transport.error'; readonly error: ErrorData }
  /**
   * An MQTT 3.1.1 broker answered CONNECT with return code `returnCode` (0-5); an MQTT 5 broker's
   * answer is `mqtt5.connack` (spec R242).
   */
  | { readonly type: 'mqtt.connack'; readonly returnCode: number; readonly sessionPresent: boolean }
  /** The broker answered PINGREQ. */
  | { readonly type: 'mqtt.pingresp' }
  /** The broker broke the protocol, or sent an oversized packet: the connection must close. */
  | { readonly type: 'mqtt.error'; readonly error: ErrorData }
  /** Everything queued from before this connection went out and was acknowledged. */
  | { readonly type: 'session.drained' }
  /** A uniform draw in [0, 1) from the runtime's random source, asked for by `drawRandom`. */
  | { readonly type: 'random.drawn'; readonly value: number }
  /** An MQTT 5 broker answered CONNECT (spec R260-R270). */
  | ({ readonly type: 'mqtt5.connack'; readonly sessionPresent: boolean } & ServerWord & ConnackProperties)
  /** An MQTT 5 broker sent DISCONNECT: it is closing the connection (spec R262-R267). */
  | ({ readonly type: 'mqtt5.disconnect' } & ServerWord)
  /**
   * An MQTT 5 broker sent AUTH (spec R310-R314) with `reasonCode` 0x18 (continue) or 0x00
   * (success): its method and data stay in the runtime, out of the journal (R312). The runtime
   * sends it only when it was awaited and its method is the CONNECT's (R316).
   */
  | { readonly type: 'mqtt5.auth'; readonly reasonCode: number }
  /** The user asked to re-authenticate (AUTH 0x19) on the connected session (spec R313). */
  | { readonly type: 'client.reauthenticate' };

/** What an MQTT 5 CONNACK or server DISCONNECT says about the lifecycle (JSON-safe, journalled). */
export interface ServerWord {
  /** The packet's reason code (0x00 success, >= 0x80 failure). */
  readonly reasonCode: number;
  /**
   * The Server Reference as ring names: the runtime parses and validates it, and names each distinct
   * referenced address with a label of its own (e.g. `ref-1`), keeping the address to itself as for
   * configured servers (R41). Used with 0x9C / 0x9D only (R265). Absent when the packet had none.
   */
  readonly serverReference?: readonly string[];
  /**
   * The typed error the runtime built for this code (e.g. a `ConnackError` naming the code); absent
   * means the machine builds a generic one.
   */
  readonly error?: ErrorData;
}

/** CONNACK properties that the lifecycle uses (R269-R270). */
export interface ConnackProperties {
  /** Server Keep Alive in ms, when the CONNACK carried one: the keep alive for this connection (R269). */
  readonly serverKeepAliveMs?: number;
  /** The Assigned Client Identifier, when the CONNACK carried one (R270). */
  readonly assignedClientId?: string;
}

/** Event types of {@link ConnectionEvent}. */
export type ConnectionEventType = ConnectionEvent['type'];

/** What the statechart emits to users (the lifecycle part of the client's event stream). */
export type LifecycleEvent =
  /** An attempt starts (Mongoose `CLOUD_CONNECTING`, on every attempt). */
  | {
      readonly type: 'connecting';
      readonly server: string;
      readonly serverIndex: number;
      readonly attempt: number;
    }
  /** An attempt failed before the session was up (Mongoose `CLOUD_CONNECTERROR`, widened to every cause). */
  | {
      readonly type: 'connect.error';
      readonly server: string;
      readonly serverIndex: number;
      readonly error: ErrorData;
    }
  /** CONNACK rc=0 (Mongoose `CLOUD_CONNECTED`). */
  | {
      readonly type: 'connected';
      readonly server: string;
      readonly serverIndex: number;
      readonly sessionPresent: boolean;
    }
  /** A session that was up is gone (Mongoose `CLOUD_DISCONNECTED`); `error` is null when the user asked for it. */
  | {
      readonly type: 'disconnected';
      readonly server: string;
      readonly serverIndex: number;
      readonly error: ErrorData | null;
    }
  /** The next attempt is scheduled. */
  | {
      readonly type: 'backoff';
      readonly server: string;
      readonly serverIndex: number;
      readonly nominalMs: number;
      readonly delayMs: number;
      readonly switched: boolean;
    }
  /** Everything queued from before this connection was delivered. */
  | { readonly type: 'ready'; readonly server: string }
  /**
   * The client stopped; nothing is pending. `error` is null when the user disconnected, else the
   * failure that stopped it (a refused CONNACK under `onRefused: 'stop'`, spec R81).
   */
  | { readonly type: 'stopped'; readonly error: ErrorData | null };
