/**
 * aedes over WebSocket (`ws`), the broker the browser tests and the browser demo talk to: Debian's
 * mosquitto here cannot open a WebSocket listener. Restartable on the same port, like
 * {@link startAedes}, so a client can be watched through a broker outage.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import { createWebSocketStream, type WebSocket, WebSocketServer } from 'ws';
import { listenWithRetry } from './brokers.js';

/** A running aedes broker behind a WebSocket listener. */
export interface AedesWsHandle {
  /** The loopback port. */
  readonly port: number;
  /** `ws://127.0.0.1:<port>/mqtt`. */
  readonly url: string;
  /** The aedes instance, for its events and for publishing from the test. */
  readonly broker: Aedes;
  /** Drops every connection at once (no close handshake, as a dying broker would) and frees the port. */
  close(): Promise<void>;
}

/** Starts aedes over WebSocket on `127.0.0.1`, on `opts.port` (to restart a closed one) or a free port. */
export async function startAedesWs(opts: { readonly port?: number } = {}): Promise<AedesWsHandle> {
  const broker = await Aedes.createBroker();
  const server: Server = createServer((_, response) => response.writeHead(426).end('WebSocket only\n'));
  // The client offers subprotocol `mqtt`; ws accepts the first one offered.
  const wss = new WebSocketServer({ server });
  const sockets = new Set<WebSocket>();
  wss.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const stream = createWebSocketStream(socket);
    // A client that vanishes mid-write surfaces here; aedes cleans up on close.
    stream.on('error', () => {});
    broker.handle(stream);
  });
  await listenWithRetry(server, opts.port ?? 0);
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    port,
    url: `ws://127.0.0.1:${port}/mqtt`,
    broker,
    close() {
      closing ??= (async () => {
        for (const socket of sockets) socket.terminate();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await new Promise<void>((resolve) => broker.close(() => resolve()));
      })();
      return closing;
    },
  };
}
