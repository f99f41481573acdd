/**
 * An in-memory MQTT 5 transport for runtime tests (spec R290-R305): as `fakeTransport.ts`, but the
 * client's bytes are parsed, and the "broker's" packets generated, as MQTT 5 by mqtt-packet.
 */
import type * as mqtt from 'mqtt-packet';
import { SimulatedClock } from 'xstate';
import { MqttClient, type MqttClientOptions } from '../../runtime/client.js';
import type { ServerConfig } from '../../runtime/options.js';
import type { TransportFactory } from '../../runtime/ports.js';
import { V5_PROFILE } from '../../runtime/profileV5.js';
import { type FakeConnection, type ParseFailure, recordingNetwork } from './fakeTransport.js';

/** One fake MQTT 5 connection: what the client wrote, parsed as MQTT 5, or the parser's error. */
export type FakeV5Connection = FakeConnection<mqtt.Packet | ParseFailure>;

/** A transport factory recording each MQTT 5 connection; a parse error is recorded as `{ cmd: 'error' }`. */
export function fakeV5Network(): { factory: TransportFactory; connections: FakeV5Connection[] } {
  return recordingNetwork<mqtt.Packet | ParseFailure>(5, (e) => ({ cmd: 'error', message: e.message }));
}

/** An MQTT 5 client on a fake network and a simulated clock; `up(i)` accepts connection `i`. */
export function v5Client(options: Partial<MqttClientOptions> = {}, server: Partial<ServerConfig> = {}) {
  const net = fakeV5Network();
  const clock = new SimulatedClock();
  const client = new MqttClient({
    servers: [{ host: 'p', transport: net.factory, clientId: 'c', ...server }],
    protocolVersion: 5,
    mqtt5: V5_PROFILE,
    clock,
    jitter: 0,
    keepAliveSec: 0,
    ...options,
  });
  const up = (i: number) => {
    const wire = net.connections[i];
    wire?.handlers.onOpen();
    wire?.reply({ cmd: 'connack', reasonCode: 0, sessionPresent: false });
    return wire as FakeV5Connection;
  };
  const sent = <T extends mqtt.Packet>(i: number, cmd: T['cmd']) =>
    (net.connections[i]?.written ?? []).filter((p): p is T => p.cmd === cmd);
  return { client, net, up, sent, clock };
}
