/**
 * What `MqttClient` is built from: its options and their key table, and the MQTT session made
 * from them (apart from the client's behaviour).
 */
import { ConfigError } from '../errors.js';
import { MONGOOSE_SESSION_OPTIONS, MqttSession, type SessionOptions } from '../protocol/session.js';
import type { StoreRecovery } from '../protocol/sessionLog.js';
import { LIFECYCLE_CONFIG_KEYS, type LifecycleClientConfig } from './lifecycleConfig.js';
import type { KeyTable } from './optionKeys.js';

/** Options of {@link MqttClient}. */
export interface MqttClientOptions extends LifecycleClientConfig {
  /** Queue, in-flight window and QoS limits. @default DEFAULT_SESSION_OPTIONS (MONGOOSE_SESSION_OPTIONS with the mongoose profile) */
  readonly session?: SessionOptions;
  /**
   * What restores the session from `session.store` (`attachStore`). The Node entry supplies it;
   * the browser entry leaves it out of its bundle, so pass `attachStore` there with a store
   * (spec R231).
   * @default the entry point's (Node: `attachStore`; browser: none, and a store is a `ConfigError`)
   */
  readonly storeRecovery?: StoreRecovery;
}

/** The options of `MqttClient`'s constructor. */
export const CLIENT_OPTION_KEYS = {
  ...LIFECYCLE_CONFIG_KEYS,
  session: 1,
  storeRecovery: 1,
} as const satisfies KeyTable<MqttClientOptions>;

/**
 * The client's session: the `mongoose` profile's session defaults under `options.session`, and a
 * bad option named as the client's key (`session.maxInflight`).
 */
export function sessionFor(
  io: ConstructorParameters<typeof MqttSession>[0],
  options: MqttClientOptions,
): MqttSession {
  // No merged copy without session options: clients with the defaults share one resolved set.
  const base = options.profile === 'mongoose' ? MONGOOSE_SESSION_OPTIONS : undefined;
  const session = options.session === undefined ? base : { ...base, ...options.session };
  try {
    return new MqttSession(io, session, undefined, options.storeRecovery);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(`session.${error.key}`, error.message.slice(error.key.length + 2), {
      cause: error,
    });
  }
}
