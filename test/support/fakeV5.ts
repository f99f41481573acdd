/**
 * An in-memory MQTT 5 transport for runtime tests (spec R290-R305): as `fakeTransport.ts`, but the
 * client's bytes are parsed, and the "broker's" packets generated, as MQTT 5 by mqtt-packet.
 */
import * as mqtt from 'mqtt-packet';
import { SimulatedClock } from 'xstate';
import { MqttClient, type MqttClientOptions } from '../../runtime/client.js';
import type { ServerConfig } from '../../runtime/options.js';
import type { Transport, TransportFactory, TransportHandlers } from '../../runtime/ports.js';
import { V5_PROFILE } from '../../runtime/profileV5.js';

/** One fake MQTT 5 connection. */
export interface FakeV5Connection {
  readonly handlers: TransportHandlers;
  /** What the client wrote, parsed as MQTT 5 (or the parser's error as `{ cmd: 'error' }`). */
  readonly written: (mqtt.Packet | { cmd: 'error'; message: string })[];
  ended: boolean;
  /** Delivers a packet from the "broker". */
  reply(packet: mqtt.Packet): void;
  /** Delivers raw bytes from the "broker". */
  receive(bytes: Uint8Array): void;
}

/** A transport factory recording each MQTT 5 connection. */
export function fakeV5Network(): { factory: TransportFactory; connections: FakeV5Connection[] } {
  const connections: FakeV5Connection[] = [];
  const factory: TransportFactory = (_target, handlers) => {
    const parser = mqtt.parser({ protocolVersion: 5 });
    const connection: FakeV5Connection = {
      handlers,
      written: [],
      ended: false,
      reply: (packet) => handlers.onData(mqtt.generate(packet, { protocolVersion: 5 })),
      receive: (bytes) => handlers.onData(bytes),
    };
    parser.on('packet', (packet) => connection.written.push(packet));
    parser.on('error', (e: Error) => connection.written.push({ cmd: 'error', message: e.message }));
    connections.push(connection);
    const transport: Transport = {
      write: (bytes) => {
        parser.parse(Buffer.from(bytes));
        return true;
      },
      bufferedBytes: 0,
      end: () => {
        if (connection.ended) return;
        connection.ended = true;
        handlers.onClose();
      },
      destroy: () => {
        connection.ended = true;
      },
    };
    return transport;
  };
  return { factory, connections };
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
