/**
 * An in-memory transport for runtime tests: each `open` is recorded with its handlers so the
 * test plays the network, and every written packet is decoded with mqtt-packet (3.1.1 by default;
 * `fakeV5.ts` uses the MQTT 5 flavour).
 */
import * as mqtt from 'mqtt-packet';
import type { Transport, TransportFactory, TransportHandlers, TransportTarget } from '../../runtime/ports.js';

/** What the parser could not read, recorded in place of a packet (MQTT 5 networks only). */
export interface ParseFailure {
  readonly cmd: 'error';
  readonly message: string;
}

/** One fake connection; `W` is what `written` records (packets, and on MQTT 5 parse failures). */
export interface FakeConnection<W = mqtt.Packet> {
  readonly target: TransportTarget;
  readonly handlers: TransportHandlers;
  readonly written: W[];
  ended: boolean;
  destroyed: boolean;
  /** Delivers raw bytes from the "broker". */
  receive(bytes: Uint8Array): void;
  /** Delivers a packet from the "broker". */
  reply(packet: mqtt.Packet): void;
}

/** A 3.1.1 fake network: bytes the parser cannot read throw from `write` (no error listener). */
export function fakeNetwork(): { factory: TransportFactory; connections: FakeConnection[] } {
  return recordingNetwork<mqtt.Packet>(4);
}

/**
 * A transport factory recording each connection, its bytes parsed as `protocolVersion`. With
 * `onParseError`, what the parser cannot read is recorded as the value it returns; without it the
 * parser's error is thrown from `write`.
 */
export function recordingNetwork<W>(
  protocolVersion: 4 | 5,
  onParseError?: (error: Error) => W,
): { factory: TransportFactory; connections: FakeConnection<W>[] } {
  const connections: FakeConnection<W>[] = [];
  const factory: TransportFactory = (target, handlers) => {
    const parser = mqtt.parser({ protocolVersion });
    const connection: FakeConnection<W> = {
      target,
      handlers,
      written: [],
      ended: false,
      destroyed: false,
      receive: (bytes) => handlers.onData(bytes),
      reply: (packet) => handlers.onData(mqtt.generate(packet, { protocolVersion })),
    };
    // The parser only ever emits packets of the network's own version, which `W` includes.
    parser.on('packet', (packet) => connection.written.push(packet as W));
    if (onParseError !== undefined)
      parser.on('error', (e: Error) => connection.written.push(onParseError(e)));
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
