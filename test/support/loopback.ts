/**
 * What the test servers that sit on a loopback socket and read a client's bytes (the fake broker,
 * the wire tap) set up alike: a strict parser for the client's packets and a free port.
 */
import type * as net from 'node:net';
import * as mqtt from 'mqtt-packet';

/**
 * An MQTT 3.1.1 parser for what a client writes, calling `onPacket` for each packet. Invalid bytes
 * throw from the socket's data handler: an uncaught exception, which fails the test run, since the
 * client broke the protocol.
 */
export function clientPacketParser(onPacket: (packet: mqtt.Packet) => void): mqtt.Parser {
  const parser = mqtt.parser({ protocolVersion: 4 });
  parser.on('packet', onPacket);
  parser.on('error', (error: Error) => {
    throw new Error(`the client sent invalid MQTT: ${error.message}`);
  });
  return parser;
}

/** Makes `server` listen on `127.0.0.1` and a free port the OS picks; resolves with that port. */
export async function listenOnLoopback(server: net.Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => resolve());
  });
  return (server.address() as net.AddressInfo).port;
}
