/**
 * The browser client as actor logic for an app's own XState machine
 * (`mqtt-lifeline/browser/embedded`; spec R170-R179, R186): `invoke` or `spawn`
 * {@link mqttClientLogic} with the client's options as `input`. A separate entry so that the
 * default browser client (`mqtt-lifeline/browser`) does not carry it. Servers that name no
 * transport are reached over the global `WebSocket`, as with the browser's `MqttClient`; a
 * `session.store` needs `storeRecovery: attachStore` and `protocolVersion: 5` needs `mqtt5`
 * (`mqtt-lifeline/browser/mqtt5`) in the input, as there.
 *
 * @packageDocumentation
 */
import { browserDefaults } from './adapters/browser.js';
import { createMqttClientLogic, type MqttClientLogic } from './runtime/embedded.js';

export type {
  CommandId,
  ConnectionActorRef,
  MqttActorCommand,
  MqttActorEvent,
  MqttActorInput,
  MqttActorSnapshot,
  MqttClientActorRef,
  MqttClientLogic,
  MqttLifecycleEvent,
  MqttReplyEvent,
  MqttSessionEvent,
} from './runtime/embedded.js';

/**
 * The embedded client over the browser's defaults (the global `WebSocket`, the system clock): its
 * statechart runs as the child actor `connection` in the app's actor system (R171), it sends its
 * parent `mqtt.*` events (R172) and answers `mqtt.publish`, `mqtt.subscribe`, `mqtt.unsubscribe`
 * and `mqtt.disconnect` commands (R174).
 */
export const mqttClientLogic: MqttClientLogic = createMqttClientLogic(browserDefaults);
