/**
 * MQTT 5 for the browser client (`mqtt-lifeline/browser/mqtt5`): the wire profile that
 * `protocolVersion: 5` needs (spec R235, R185). A separate entry so that the default browser client
 * (`mqtt-lifeline/browser`), which speaks MQTT 3.1.1, does not carry the MQTT 5 codec; pass it to
 * that client as `mqtt5`:
 *
 * ```ts
 * import { MqttClient } from 'mqtt-lifeline/browser';
 * import { mqtt5 } from 'mqtt-lifeline/browser/mqtt5';
 * const client = new MqttClient({ servers: [{ url: 'wss://broker.example/mqtt' }], protocolVersion: 5, mqtt5 });
 * ```
 *
 * Enhanced authentication (MQTT 5 only) lives here too: `scramSha256` is the SCRAM-SHA-256 method
 * for the `auth` option, so the browser entry does not carry it either.
 *
 * @packageDocumentation
 */
import type { Mqtt5Profile } from './runtime/ports.js';
import { V5_PROFILE } from './runtime/profileV5.js';

export { SCRAM_SHA_256, type ScramOptions, scramSha256 } from './adapters/auth/scram.js';
export type { Mqtt5Profile } from './runtime/ports.js';

/**
 * The MQTT 5 wire profile (codec, CONNACK and DISCONNECT reason codes, Server Reference), the one
 * the Node entry carries built in. Pass it as the browser client's `mqtt5` option.
 */
export const mqtt5: Mqtt5Profile = V5_PROFILE;
