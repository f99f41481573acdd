/**
 * A scripted MQTT 3.1.1 or 5 "broker" on a raw loopback socket, for what real brokers cannot be made to
 * do on cue: withhold an acknowledgement, drop the connection at a chosen packet, claim a lost
 * session, or send malformed bytes. Every packet from the client is parsed with mqtt-packet (so a
 * client packet that is not valid MQTT fails the test) and recorded per connection. A connection
 * speaks the version of its CONNECT: after an MQTT 5 CONNECT, `send` encodes MQTT 5.
 */
import * as net from 'node:net';
import * as mqtt from 'mqtt-packet';
import { clientPacketParser, listenOnLoopback } from './loopback.js';

/** One client connection as the fake broker sees it. */
export interface FakeConnection {
  /** 0 for the first connection, 1 for the next, ... */
  readonly index: number;
  /** Every packet received on this connection, in order. */
  readonly packets: mqtt.Packet[];
  /** Resolves when the socket is closed (by either side). */
  readonly closed: Promise<void>;
  /** Encodes and writes a packet. */
  send(packet: mqtt.Packet): void;
  /** Writes raw bytes (valid or not). */
  raw(bytes: Uint8Array): void;
  /** Resets the connection at once, as a crashing broker would. */
  destroy(): void;
  /** Stops reading from the client (a stalled broker or link): its socket buffers fill up. */
  pause(): void;
  /** Reads again after {@link FakeConnection.pause}. */
  resume(): void;
}

/** What a script is called with for every client packet. */
export type FakeScript = (connection: FakeConnection, packet: mqtt.Packet) => void;

/** A running fake broker. */
export interface FakeBroker {
  /** The loopback port it listens on. */
  readonly port: number;
  /** Every connection so far, oldest first. */
  readonly connections: FakeConnection[];
  /**
   * Resolves with the next packet (received from now on) that `predicate` accepts, with its
   * connection; rejects after `timeoutMs` listing what arrived meanwhile.
   */
  nextPacket(
    predicate: (packet: mqtt.Packet, connection: FakeConnection) => boolean,
    timeoutMs?: number,
  ): Promise<{ packet: mqtt.Packet; connection: FakeConnection }>;
  /** Resets every connection and stops listening. */
  close(): Promise<void>;
}

/** A CONNACK accepting the connection. */
export function connack(sessionPresent: boolean): mqtt.IConnackPacket {
  return { cmd: 'connack', returnCode: 0, sessionPresent };
}

/** Starts a fake broker on `127.0.0.1` and a free port; `script` answers each client packet. */
export async function startFakeBroker(script: FakeScript): Promise<FakeBroker> {
  const connections: FakeConnection[] = [];
  const sockets = new Set<net.Socket>();
  const watchers = new Set<(packet: mqtt.Packet, connection: FakeConnection) => void>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    // A client resetting the connection is part of the scenarios, not an error of the test.
    socket.on('error', () => {});
    const closed = new Promise<void>((resolve) =>
      socket.once('close', () => {
        sockets.delete(socket);
        resolve();
      }),
    );
    // The version of the connection's CONNECT, which mqtt-packet's parser also switches to.
    let protocolVersion = 4;
    const connection: FakeConnection = {
      index: connections.length,
      packets: [],
      closed,
      send: (packet) => {
        if (!socket.destroyed) socket.write(mqtt.generate(packet, { protocolVersion }));
      },
      raw: (bytes) => {
        if (!socket.destroyed) socket.write(bytes);
      },
      destroy: () => {
        socket.resetAndDestroy();
      },
      pause: () => {
        socket.pause();
      },
      resume: () => {
        socket.resume();
      },
    };
    connections.push(connection);
    const parser = clientPacketParser((packet) => {
      if (packet.cmd === 'connect') protocolVersion = packet.protocolVersion ?? 4;
      connection.packets.push(packet);
      for (const watcher of [...watchers]) watcher(packet, connection);
      if (!socket.destroyed) script(connection, packet);
    });
    socket.on('data', (chunk: Buffer) => {
      parser.parse(chunk);
    });
  });
  const port = await listenOnLoopback(server);
  return {
    port,
    connections,
    nextPacket(predicate, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const seen: string[] = [];
        const timer = setTimeout(() => {
          watchers.delete(watch);
          reject(new Error(`no matching packet within ${timeoutMs} ms; saw: ${seen.join(', ')}`));
        }, timeoutMs);
        const watch = (packet: mqtt.Packet, connection: FakeConnection) => {
          seen.push(`${connection.index}:${packet.cmd}`);
          if (!predicate(packet, connection)) return;
          clearTimeout(timer);
          watchers.delete(watch);
          resolve({ packet, connection });
        };
        watchers.add(watch);
      });
    },
    close() {
      return new Promise<void>((resolve) => {
        for (const socket of sockets) socket.resetAndDestroy();
        server.close(() => resolve());
      });
    },
  };
}

/** The PUBLISH packets of a connection. */
export function publishesOf(connection: FakeConnection): mqtt.IPublishPacket[] {
  return connection.packets.filter((p): p is mqtt.IPublishPacket => p.cmd === 'publish');
}
