/**
 * An in-memory transport for runtime tests: each `open` is recorded with its handlers so the
 * test plays the network, and every written packet is decoded with mqtt-packet.
 */
import * as mqtt from 'mqtt-packet';
import type { Transport, TransportFactory, TransportHandlers, TransportTarget } from '../../runtime/ports.js';

export interface FakeConnection {
  readonly target: TransportTarget;
  readonly handlers: TransportHandlers;
  readonly written: mqtt.Packet[];
  ended: boolean;
  destroyed: boolean;
  /** Delivers raw bytes from the "broker". */
  receive(bytes: Uint8Array): void;
  /** Delivers a packet from the "broker". */
  reply(packet: mqtt.Packet): void;
}

export function fakeNetwork(): { factory: TransportFactory; connections: FakeConnection[] } {
  const connections: FakeConnection[] = [];
  const factory: TransportFactory = (target, handlers) => {
    const parser = mqtt.parser({ protocolVersion: 4 });
    const connection: FakeConnection = {
      target,
      handlers,
      written: [],
      ended: false,
      destroyed: false,
      receive: (bytes) => handlers.onData(bytes),
      reply: (packet) => handlers.onData(mqtt.generate(packet, { protocolVersion: 4 })),
    };
    parser.on('packet', (packet) => connection.written.push(packet));
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
        connection.destroyed = true;
      },
    };
    return transport;
  };
  return { factory, connections };
}
