/**
 * Node's wiring: the defaults that the Node entry points (`mqtt-lifeline`,
 * `mqtt-lifeline/mongoose`) plug into the runtime's ports, and the client classes built with them.
 * The runtime itself never imports a transport or a clock; a browser entry wires its own the
 * same way.
 *
 * @module
 */

import type { PacketIdAllocator } from '../protocol/packetIds.js';
import { MqttSession as ProtocolSession, type SessionIO, type SessionOptions } from '../protocol/session.js';
import { attachStore, type StoreRecovery } from '../protocol/sessionLog.js';
import { type MqttClientOptions, MqttClient as RuntimeMqttClient } from '../runtime/client.js';
import { createActorDriver } from '../runtime/drivers.js';
import { createMqttClientLogic, type MqttClientLogic } from '../runtime/embedded.js';
import { stepInspection } from '../runtime/inspection.js';
import {
  type LifecycleClientConfig,
  LifecycleClient as RuntimeLifecycleClient,
} from '../runtime/lifecycleClient.js';
import { withDefaults } from '../runtime/options.js';
import type { RuntimeDefaults } from '../runtime/ports.js';
import { V5_PROFILE } from '../runtime/profileV5.js';
import { createStepDriver } from '../runtime/stepDriver.js';
import { createTracer } from '../runtime/trace.js';
import { systemClock } from './clocks/system.js';
import { nodeDebugLogger } from './logging/debuglog.js';
import { nodeTransport } from './transports/node.js';

/**
 * Node's defaults: the transport chosen by scheme (TCP, TLS, WebSocket), the system clock, the
 * trace when `NODE_DEBUG=mqtt-lifeline`, and the actor driver behind `driver: 'actor'`.
 */
export const nodeDefaults: RuntimeDefaults = {
  transport: nodeTransport,
  clock: systemClock,
  logger: nodeDebugLogger(),
  tracer: createTracer,
  actorDriver: createActorDriver,
  stepDriver: createStepDriver,
  storeRecovery: attachStore,
  mqtt5: V5_PROFILE,
  inspection: stepInspection,
};

/**
 * An MQTT 3.1.1 client: `connect()`, then `publish` / `subscribe`. Reconnects, fails over and
 * resubscribes by itself (docs/spec.md); queues QoS >= 1 publishes while offline. Servers that
 * name no transport are reached by their scheme (TCP, TLS, WebSocket); the clock defaults to {@link systemClock}.
 */
export class MqttClient extends RuntimeMqttClient {
  /** @throws `ConfigError` naming the offending option. */
  constructor(options: MqttClientOptions) {
    super(withDefaults(options, nodeDefaults));
  }
}

/**
 * A connection kept alive by the statechart, without the MQTT session: lifecycle events and the
 * bytes path. Servers that name no transport are reached by their scheme (TCP, TLS, WebSocket).
 */
export class LifecycleClient extends RuntimeLifecycleClient {
  /** @throws `ConfigError` naming the offending option. */
  constructor(config: LifecycleClientConfig) {
    super(withDefaults(config, nodeDefaults));
  }
}

/**
 * The client as actor logic for an app's own XState machine: `invoke` or `spawn` it with the
 * client's options as `input` (spec R170-R179). It runs the connection statechart as its child
 * actor `connection`, sends its parent `mqtt.*` events, and takes `mqtt.publish`, `mqtt.subscribe`,
 * `mqtt.unsubscribe`, `mqtt.connect` and `mqtt.disconnect` commands, answering each.
 */
export const mqttClientLogic: MqttClientLogic = createMqttClientLogic(nodeDefaults);

/**
 * The MQTT 3.1.1 session on its own (publish, subscribe, acknowledgements over a `SessionIO`),
 * restoring itself from `options.store` by default as it always did: the Node entry wires
 * `attachStore`, which the protocol layer takes as a parameter (spec R231).
 */
export class MqttSession extends ProtocolSession {
  /**
   * @param io - The runtime's socket and event sink.
   * @param options - Queue, window and QoS limits, and the store.
   * @param packetIds - The allocator to use. @default a new PacketIdAllocator()
   * @param recovery - What restores the session from its store. @default attachStore
   * @throws `ConfigError` when an option is invalid.
   */
  constructor(
    io: SessionIO,
    options?: SessionOptions,
    packetIds?: PacketIdAllocator,
    recovery: StoreRecovery = attachStore,
  ) {
    super(io, options, packetIds, recovery);
  }

  /**
   * Any session is one: a client's session is built by the runtime, which passes the recovery
   * itself, and `client.session instanceof MqttSession` stays true as it was before R231.
   * Subclasses keep the ordinary check.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: instanceof asks `this`, which may be a subclass
    if (this !== MqttSession) return Function.prototype[Symbol.hasInstance].call(this, value);
    return value instanceof ProtocolSession;
  }
}
