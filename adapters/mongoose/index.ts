/**
 * `mqtt-lifeline/mongoose`: the Mongoose OS MQTT API over an `MqttClient`: its config
 * loader (`mqtt` / `mqtt1`), the C-style facade and the JS API. Reaches servers over Node TCP.
 *
 * @packageDocumentation
 */
// The errors its functions throw, so `instanceof` works without importing the main entry too.
export {
  ConfigError,
  InvalidArgumentError,
  InvalidTopicError,
  MqttError,
  SizeLimitError,
} from '../../errors.js';
export {
  loadMongooseConfig,
  MONGOOSE_MQTT_DEFAULTS,
  MONGOOSE_MQTT1_DEFAULTS,
  type MongooseServerConfig,
  resolveServerAddress,
} from './config.js';
export {
  type CloudEvent,
  type CloudEventType,
  type HandlerErrorReporter,
  type HandlerKind,
  MG_EV,
  type MgConnectContext,
  type MgConnectFn,
  type MgEvent,
  type MgEventHandler,
  type MgMqttMessage,
  type MgSubHandler,
  type MqttJsEventData,
} from './events.js';
export { MongooseMqtt } from './facade.js';
export { createMqttJs, type MqttJs } from './js.js';
export {
  type MongooseClientOptions,
  type MongooseConfig,
  type MongooseMqttFromClient,
  type MongooseMqttFromConfig,
  type MongooseOptionsOverrides,
  mongooseClientOptions,
} from './options.js';
