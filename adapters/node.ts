/**
 * Node's wiring: the defaults that the Node entry points (`mqtt-lifeline`,
 * `mqtt-lifeline/mongoose`) plug into the runtime's ports, and the client classes built with them.
 * The runtime itself never imports a transport or a clock; a browser entry wires its own the
 * same way.
 *
 * @module
 */
import { type MqttClientOptions, MqttClient as RuntimeMqttClient } from '../runtime/client.js';
import {
  type LifecycleClientConfig,
  LifecycleClient as RuntimeLifecycleClient,
} from '../runtime/lifecycleClient.js';
import { withDefaults } from '../runtime/options.js';
import type { RuntimeDefaults } from '../runtime/ports.js';
import { V5_PROFILE } from '../runtime/profileV5.js';
import { createTracer } from '../runtime/trace.js';
import { systemClock } from './clocks/system.js';
import { nodeDebugLogger } from './logging/debuglog.js';
import { nodeTransport } from './transports/node.js';

/**
 * Node's defaults: the transport chosen by scheme (TCP, TLS, WebSocket), the system clock, and
 * the trace when `NODE_DEBUG=mqtt-lifeline`.
 */
export const nodeDefaults: RuntimeDefaults = {
  transport: nodeTransport,
  clock: systemClock,
  logger: nodeDebugLogger(),
  tracer: createTracer,
  mqtt5: V5_PROFILE,
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
