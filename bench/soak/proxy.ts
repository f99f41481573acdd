/**
 * A TCP pass-through between the soak's clients and the broker that can cut the network: while
 * cut it stops reading both sides of every connection (new ones included), so bytes wait in the
 * kernel as on a link that went silent, and nothing is refused or reset. Healing resumes them.
 */
import * as net from 'node:net';
import type { Direction } from './trace.js';

/** A running proxy. */
export interface CuttableProxy {
  /** The loopback port clients connect to. */
  readonly port: number;
  /** Stops forwarding in both directions (a silent network). */
  cut(): void;
  /** Forwards again. */
  heal(): void;
  /** Closes every connection and stops listening. */
  close(): Promise<void>;
}

/**
 * Starts a proxy on a free loopback port that forwards to `127.0.0.1:targetPort`. `tap`, if
 * given, is told of each new connection and sees every chunk it forwards (the soak's trace).
 */
export async function startProxy(
  targetPort: number,
  tap?: () => (direction: Direction, chunk: Buffer) => void,
): Promise<CuttableProxy> {
  const sockets = new Set<net.Socket>();
  /** Client socket to its upstream, while both are open. */
  const pairs = new Map<net.Socket, net.Socket>();
  let cut = false;
  // `pipe` resumes its source on every 'drain', so a cut unpipes rather than only pausing.
  const link = (client: net.Socket, upstream: net.Socket) => {
    client.pipe(upstream);
    upstream.pipe(client);
  };
  const unlink = (client: net.Socket, upstream: net.Socket) => {
    client.unpipe(upstream);
    upstream.unpipe(client);
    client.pause();
    upstream.pause();
  };
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      // Resets are how brokers and clients go away here; the close handlers deal with them.
      socket.on('error', () => {});
      socket.once('close', () => sockets.delete(socket));
    }
    if (tap !== undefined) {
      const feed = tap();
      client.on('data', (chunk: Buffer) => feed('>', chunk));
      upstream.on('data', (chunk: Buffer) => feed('<', chunk));
    }
    pairs.set(client, upstream);
    if (cut) unlink(client, upstream);
    else link(client, upstream);
    client.once('close', () => {
      pairs.delete(client);
      upstream.destroy();
    });
    upstream.once('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    cut() {
      cut = true;
      for (const [client, upstream] of pairs) unlink(client, upstream);
    },
    heal() {
      cut = false;
      for (const [client, upstream] of pairs) link(client, upstream);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
