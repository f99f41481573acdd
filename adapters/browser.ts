/**
 * The browser's wiring: the defaults the browser entry (`browser.ts`) plugs into the runtime's
 * ports, and the client classes built with them. Nothing here touches a Node built-in.
 *
 * @module
 */

import { createChartStepDriver } from '../runtime/chartStepDriver.js';
import { type MqttClientOptions, MqttClient as RuntimeMqttClient } from '../runtime/client.js';
import {
  type LifecycleClientConfig,
  LifecycleClient as RuntimeLifecycleClient,
} from '../runtime/lifecycleClient.js';
import { withDefaults } from '../runtime/options.js';
import type { RuntimeDefaults } from '../runtime/ports.js';
import { systemClock } from './clocks/system.js';
import { browserTransport } from './transports/browser.js';

/**
 * The browser's defaults: `ws://` and `wss://` over the global `WebSocket`, the system clock, and
 * the chart step driver, which runs the statechart without xstate (spec R343).
 */
export const browserDefaults: RuntimeDefaults = {
  transport: browserTransport,
  clock: systemClock,
  stepDriver: createChartStepDriver,
};

/**
 * An MQTT 3.1.1 client for browsers: `connect()`, then `publish` / `subscribe`. Reconnects, fails
 * over and resubscribes by itself (docs/spec.md). `ws://` and `wss://` servers that name no
 * transport are reached over the global `WebSocket` (subprotocol `mqtt`, binary frames); a browser
 * cannot open `mqtt://` or `mqtts://`, so those attempts fail with `UNSUPPORTED_SCHEME`.
 */
export class MqttClient extends RuntimeMqttClient {
  /** @throws `ConfigError` naming the offending option. */
  constructor(options: MqttClientOptions) {
    super(withDefaults(options, browserDefaults));
  }
}

/**
 * A connection kept alive by the statechart, without the MQTT session, for browsers: servers
 * that name no transport are reached over the global `WebSocket`.
 */
export class LifecycleClient extends RuntimeLifecycleClient {
  /** @throws `ConfigError` naming the offending option. */
  constructor(config: LifecycleClientConfig) {
    super(withDefaults(config, browserDefaults));
  }
}
