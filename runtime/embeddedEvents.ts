/**
 * The vocabulary of the embedded client (`mqttClientLogic`, spec R170-R179): the commands an
 * app's machine sends it, and the events it sends that machine. Every name starts with `mqtt.`,
 * so an app can match them all with the `'mqtt.*'` wildcard.
 *
 * @module
 */
import type { MqttError, MqttErrorCode } from '../errors.js';
import type { DropReason, QoS } from '../protocol/sessionTypes.js';
import type { MqttClientOptions } from './client.js';

/** What the embedded client is created with (`input` of `invoke` / `spawn`). */
export interface MqttActorInput extends MqttClientOptions {
  /**
   * Start connecting as soon as the actor starts; with false, wait for an `mqtt.connect` command.
   * @default true
   */
  readonly connect?: boolean;
  /**
   * When the actor is stopped (its parent stopped, or left the state that invoked it), keep the
   * unacknowledged QoS >= 1 publishes (in the session store) instead of failing them (spec R176).
   * @default false (true when `session.store` is set)
   */
  readonly keepQueue?: boolean;
}

/** A correlation id the app may put on a command; its answer carries it back. */
export type CommandId = string | number | undefined;

/** The commands the embedded client takes as events (spec R174). */
export type MqttActorCommand =
  /** Start connecting (after `connect: false`, or after an `mqtt.disconnect`). */
  | { readonly type: 'mqtt.connect' }
  /**
   * Publish; answered by `mqtt.publish.done` or `mqtt.publish.error`. Defaults: `qos` 0, `retain`
   * false, `quiet` false. With `quiet`, a success is not answered (a stream of telemetry need not
   * cost the app an event per message, spec R177); a refusal at once is still answered, and a
   * later loss is an `mqtt.drop` like every drop.
   */
  | {
      readonly type: 'mqtt.publish';
      readonly topic: string;
      readonly payload: Uint8Array | string;
      readonly qos?: QoS;
      readonly retain?: boolean;
      readonly quiet?: boolean;
      readonly id?: CommandId;
    }
  /** Subscribe (kept across reconnects); answered by `mqtt.subscribe.done` or `mqtt.subscribe.error`. `qos` defaults to 0. */
  | { readonly type: 'mqtt.subscribe'; readonly filter: string; readonly qos?: QoS; readonly id?: CommandId }
  /** Unsubscribe; answered by `mqtt.unsubscribe.done` or `mqtt.unsubscribe.error`. */
  | { readonly type: 'mqtt.unsubscribe'; readonly filter: string; readonly id?: CommandId }
  /**
   * Stop: DISCONNECT, close; answered by `mqtt.disconnect.done` once closed. `keepQueue` defaults
   * to the input's `keepQueue`.
   */
  | { readonly type: 'mqtt.disconnect'; readonly keepQueue?: boolean; readonly id?: CommandId };

/** What the embedded client tells its parent of its lifecycle (spec R172, R173). */
export type MqttLifecycleEvent =
  /** An attempt starts. */
  | {
      readonly type: 'mqtt.connecting';
      readonly server: string;
      readonly serverIndex: number;
      readonly attempt: number;
    }
  /** This attempt goes to another server than the one before (spec R173). */
  | {
      readonly type: 'mqtt.failover';
      readonly from: string;
      readonly fromIndex: number;
      readonly to: string;
      readonly toIndex: number;
    }
  /** An attempt failed before the session was up. */
  | {
      readonly type: 'mqtt.connect.error';
      readonly server: string;
      readonly serverIndex: number;
      readonly error: MqttError;
    }
  /** CONNACK rc=0: the session is up. */
  | {
      readonly type: 'mqtt.connected';
      readonly server: string;
      readonly serverIndex: number;
      readonly sessionPresent: boolean;
    }
  /** Everything queued from before this connection went out. */
  | { readonly type: 'mqtt.ready'; readonly server: string }
  /** A session that was up is gone; `error` is null when the app asked for it. */
  | {
      readonly type: 'mqtt.disconnected';
      readonly server: string;
      readonly serverIndex: number;
      readonly error: MqttError | null;
    }
  /** The next attempt waits `delayMs` (jittered from `nominalMs`) and goes to `server`. */
  | {
      readonly type: 'mqtt.backoff';
      readonly server: string;
      readonly serverIndex: number;
      readonly delayMs: number;
      readonly nominalMs: number;
      readonly switched: boolean;
    }
  /** The client stopped: `error` is null when the app asked for it, else what stopped it. */
  | { readonly type: 'mqtt.stopped'; readonly error: MqttError | null };

/** What the embedded client tells its parent of the session (spec R172). */
export type MqttSessionEvent =
  /** A message arrived. `payload` is the event's own copy: the app may keep it. */
  | {
      readonly type: 'mqtt.message';
      readonly topic: string;
      readonly payload: Uint8Array;
      readonly qos: QoS;
      readonly retain: boolean;
    }
  /** A message was discarded (queue full, offline, closed...). */
  | {
      readonly type: 'mqtt.drop';
      readonly reason: DropReason;
      readonly topic: string;
      readonly qos: QoS;
      readonly packetId: number;
    }
  /** The transport, which was full, drained: publishing may go on (spec R55). */
  | { readonly type: 'mqtt.drain' }
  /** The connection was closed because the broker broke the protocol. */
  | { readonly type: 'mqtt.protocol.error'; readonly code: MqttErrorCode; readonly message: string };

/** The answer to each command (spec R174): its `id`, and the result or the typed error. */
export type MqttReplyEvent =
  | { readonly type: 'mqtt.publish.done'; readonly id: CommandId; readonly topic: string }
  | {
      readonly type: 'mqtt.publish.error';
      readonly id: CommandId;
      readonly topic: string;
      readonly error: MqttError;
    }
  | {
      readonly type: 'mqtt.subscribe.done';
      readonly id: CommandId;
      readonly filter: string;
      readonly granted: QoS;
    }
  | {
      readonly type: 'mqtt.subscribe.error';
      readonly id: CommandId;
      readonly filter: string;
      readonly error: MqttError;
    }
  | { readonly type: 'mqtt.unsubscribe.done'; readonly id: CommandId; readonly filter: string }
  | {
      readonly type: 'mqtt.unsubscribe.error';
      readonly id: CommandId;
      readonly filter: string;
      readonly error: MqttError;
    }
  | { readonly type: 'mqtt.disconnect.done'; readonly id: CommandId };

/** Every event the embedded client sends its parent. */
export type MqttActorEvent = MqttLifecycleEvent | MqttSessionEvent | MqttReplyEvent;
