/**
 * MQTT over WebSocket for tests: aedes behind `ws`'s server (mosquitto here has no WebSocket
 * listener), plain or TLS, and a raw WebSocket peer that answers the upgrade itself and then does
 * whatever a test needs with the socket (send crafted frames, close mid-frame).
 */
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import { Aedes } from 'aedes';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { listenWithRetry } from './brokers.js';

/** A running aedes reachable over WebSocket. */
export interface AedesWsHandle {
  readonly port: number;
  readonly broker: Aedes;
  /** `ws://127.0.0.1:port/mqtt` (or `wss://localhost:port/mqtt`). */
  readonly url: string;
  /** WebSocket connections open now. */
  clients(): number;
  close(): Promise<void>;
}

/** Options of {@link startAedesWs}. */
export interface AedesWsOptions {
  /** Serve `wss://` with this certificate and key. @default plain ws */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** Only upgrade requests for this path are accepted. @default '/mqtt' */
  readonly path?: string;
  /** The loopback port; pass a closed broker's port to restart it there. @default a free port */
  readonly port?: number;
}

/** Listens on `port` (0: a free one), retrying while a just-closed broker still holds it. */
async function listen(server: net.Server, port = 0): Promise<number> {
  await listenWithRetry(server, port);
  return (server.address() as net.AddressInfo).port;
}

/** Starts aedes behind a WebSocket server that speaks subprotocol `mqtt` only. */
export async function startAedesWs(options: AedesWsOptions = {}): Promise<AedesWsHandle> {
  const broker = await Aedes.createBroker();
  const server = options.tls ? https.createServer(options.tls) : http.createServer();
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const path = options.path ?? '/mqtt';
  const wss = new WebSocketServer({
    server,
    path,
    handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false),
  });
  wss.on('connection', (ws, request) => broker.handle(createWebSocketStream(ws), request));
  const port = await listen(server, options.port);
  return {
    port,
    broker,
    url: `${options.tls ? 'wss://localhost' : 'ws://127.0.0.1'}:${port}${path}`,
    clients: () => wss.clients.size,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}

/** A WebSocket frame from the server (unmasked), binary unless `opcode` says otherwise. */
export function serverFrame(payload: Uint8Array, opcode = 0x2): Buffer {
  const n = payload.length;
  const header =
    n < 126
      ? Buffer.from([0x80 | opcode, n])
      : n < 65536
        ? Buffer.from([0x80 | opcode, 126, n >> 8, n & 0xff])
        : Buffer.concat([
            Buffer.from([0x80 | opcode, 127]),
            (() => {
              const b = Buffer.alloc(8);
              b.writeBigUInt64BE(BigInt(n));
              return b;
            })(),
          ]);
  return Buffer.concat([header, payload]);
}

/** A raw WebSocket peer: completes the upgrade (subprotocol `mqtt` unless told otherwise), then hands the socket over. */
export async function startRawWsPeer(
  onUpgraded: (socket: net.Socket) => void,
  { protocol = 'mqtt', status = 101 }: { protocol?: string | null; status?: number } = {},
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_, res) => res.writeHead(426).end());
  server.on('upgrade', (request: http.IncomingMessage, socket: net.Socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
    if (status !== 101) {
      socket.end(`HTTP/1.1 ${status} Nope\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const key = request.headers['sec-websocket-key'] ?? '';
    const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(
      [
        'HTTP/1.1 101 Switching Protocols',
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Accept: ${accept}`,
        ...(protocol === null ? [] : [`Sec-WebSocket-Protocol: ${protocol}`]),
        '',
        '',
      ].join('\r\n'),
    );
    onUpgraded(socket);
  });
  const port = await listen(server);
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Unmasks the client frames received so far; returns the complete ones' payloads and the rest. */
export function readClientFrames(bytes: Buffer): {
  frames: { opcode: number; payload: Buffer }[];
  rest: Buffer;
} {
  const frames: { opcode: number; payload: Buffer }[] = [];
  let at = 0;
  for (;;) {
    if (bytes.length - at < 2) break;
    const opcode = (bytes[at] as number) & 0x0f;
    let length = (bytes[at + 1] as number) & 0x7f;
    let offset = at + 2;
    if (length === 126) {
      if (bytes.length < offset + 2) break;
      length = bytes.readUInt16BE(offset);
      offset += 2;
    } else if (length === 127) {
      if (bytes.length < offset + 8) break;
      length = Number(bytes.readBigUInt64BE(offset));
      offset += 8;
    }
    if (bytes.length < offset + 4 + length) break;
    const mask = bytes.subarray(offset, offset + 4);
    const payload = Buffer.from(bytes.subarray(offset + 4, offset + 4 + length));
    for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (mask[i % 4] as number);
    frames.push({ opcode, payload });
    at = offset + 4 + length;
  }
  return { frames, rest: bytes.subarray(at) };
}
