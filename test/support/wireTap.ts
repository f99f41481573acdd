/**
 * A TCP pass-through in front of a broker that parses what the client writes, so tests can assert
 * the exact wire order and flags (DUP) of client packets. A broker's own events cannot do that:
 * aedes handles the packets of one socket read concurrently, so its `publish` / `subscribe` events
 * may come out of wire order. The tap outlives the broker behind it: while the broker is down it
 * accepts and at once closes client connections.
 */
import * as net from 'node:net';
import type * as mqtt from 'mqtt-packet';
import { clientPacketParser, listenOnLoopback } from './loopback.js';
import { WireValidator } from './wireValidator.js';

/** One client packet as seen on the wire. */
export interface TappedPacket {
  /** Which client connection through the tap carried it (0, 1, ...). */
  readonly connection: number;
  readonly packet: mqtt.Packet;
  /** When the tap parsed it: epoch ms, fractional (comparable with other processes on the host). */
  readonly at: number;
}

/** A running tap. */
export interface WireTap {
  /** The loopback port clients connect to. */
  readonly port: number;
  /** Every client packet so far, in wire order. */
  readonly packets: TappedPacket[];
  /** Bytes read from each client connection (by its number): what the tap parsed and forwarded. */
  readonly bytesFromClient: number[];
  /**
   * Resolves once `done(packets)` holds, checked now and after every client packet; rejects after
   * `timeoutMs` saying what it was waiting for.
   */
  until(done: (packets: readonly TappedPacket[]) => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Closes every connection and stops listening. */
  close(): Promise<void>;
  /**
   * Throws if a client broke a wire rule (spec R220-R224). Each connection through the tap is
   * checked on its own, as a client that may have been restored (R222): a tap cannot tell which
   * connections belong to one client, so rules across reconnects are not checked here.
   */
  assertValid(): void;
}

/** Starts a tap on a free loopback port that forwards to `127.0.0.1:targetPort`. */
export async function startWireTap(targetPort: number): Promise<WireTap> {
  const packets: TappedPacket[] = [];
  const bytesFromClient: number[] = [];
  const waiters = new Set<() => void>();
  const sockets = new Set<net.Socket>();
  const validators: WireValidator[] = [];
  let connections = 0;
  const server = net.createServer((client) => {
    const connection = connections++;
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    const validator = new WireValidator({ restored: true, label: `tap connection ${connection}` });
    validators.push(validator);
    const feed = validator.connection();
    client.once('close', () => feed.closed());
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      // Resets are how brokers go away in these tests; the close handlers below deal with them.
      socket.on('error', () => {});
      socket.once('close', () => sockets.delete(socket));
    }
    const parser = clientPacketParser((packet) => {
      packets.push({ connection, packet, at: performance.timeOrigin + performance.now() });
      for (const check of [...waiters]) check();
    });
    bytesFromClient[connection] = 0;
    client.on('data', (chunk: Buffer) => {
      bytesFromClient[connection] = (bytesFromClient[connection] ?? 0) + chunk.length;
      feed.client(chunk);
      parser.parse(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      feed.server(chunk);
      client.write(chunk);
    });
    // Either side closing ends the other once what it still has to write is flushed.
    client.once('close', () => upstream.end());
    upstream.once('close', () => client.end());
  });
  const port = await listenOnLoopback(server);
  return {
    port,
    packets,
    bytesFromClient,
    until: (done, what, timeoutMs = 4000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`the tap saw no ${what} within ${timeoutMs} ms`));
        }, timeoutMs);
        const check = () => {
          if (!done(packets)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      }),
    assertValid: () => {
      for (const validator of validators) validator.assertValid();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The PUBLISH packets among `tapped`, described as `topic` plus `:dup` when the DUP flag is set. */
export function wirePublishes(tapped: readonly TappedPacket[]): string[] {
  return tapped.flatMap(({ packet }) =>
    packet.cmd === 'publish' ? [`${packet.topic}${packet.dup ? ':dup' : ''}`] : [],
  );
}

/** The topic filters of the SUBSCRIBE packets among `tapped`, in wire order. */
export function wireSubscribes(tapped: readonly TappedPacket[]): string[] {
  return tapped.flatMap(({ packet }) =>
    packet.cmd === 'subscribe' ? packet.subscriptions.map((s) => s.topic) : [],
  );
}
