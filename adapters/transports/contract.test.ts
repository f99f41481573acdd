/**
 * The one transport contract suite (spec R73-R74), run for every transport: TCP, TLS, WebSocket
 * (`ws`), WebSocket over TLS, and the browser transport on the `ws` package's WebSocket class
 * installed as the global `WebSocket` (real Chromium runs it in the browser tests).
 */

import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { afterAll, vi } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { freePort } from '../../test/support/brokers.js';
import { generateCerts, type TestCerts } from '../../test/support/tlsFixtures.js';
import {
  type ContractPeer,
  type PeerConnection,
  transportContract,
} from '../../test/support/transportContract.js';
import { tcpTransport } from './tcp.js';
import { tlsTransport } from './tls.js';
import { websocketTransport } from './websocket.js';
import { wsTransport } from './ws.js';

let certs: TestCerts | undefined;
const getCerts = () => {
  certs ??= generateCerts();
  return certs;
};
afterAll(() => certs?.remove());
// The browser transport finds the `ws` package's class where a browser has its own.
vi.stubGlobal('WebSocket', WebSocket);

/** Collects what arrives until `n` bytes are there. */
function collector() {
  let buffered = Buffer.alloc(0);
  let wake: (() => void) | undefined;
  return {
    push(chunk: Buffer) {
      buffered = Buffer.concat([buffered, chunk]);
      wake?.();
    },
    async received(n: number): Promise<Uint8Array> {
      while (buffered.length < n) await new Promise<void>((resolve) => (wake = resolve));
      return buffered.subarray(0, n);
    },
  };
}

/** A queue of accepted connections. */
function acceptQueue() {
  const ready: PeerConnection[] = [];
  const waiting: ((c: PeerConnection) => void)[] = [];
  return {
    add(c: PeerConnection) {
      const w = waiting.shift();
      if (w) w(c);
      else ready.push(c);
    },
    next(): Promise<PeerConnection> {
      const c = ready.shift();
      return c ? Promise.resolve(c) : new Promise((resolve) => waiting.push(resolve));
    },
  };
}

function streamConnection(socket: net.Socket): PeerConnection {
  const c = collector();
  socket.on('data', (chunk: Buffer) => c.push(chunk));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    send: (bytes) => socket.write(bytes),
    received: c.received,
    end: () => socket.end(),
    destroy: () => socket.destroy(),
    closed,
  };
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1' }, resolve));
  return (server.address() as net.AddressInfo).port;
}

function closer(server: net.Server, sockets: Set<net.Socket>) {
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  return () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
}

async function streamPeer(secure: boolean): Promise<ContractPeer> {
  const queue = acceptQueue();
  const server = secure
    ? tls.createServer({ cert: getCerts().serverCert, key: getCerts().serverKey }, (s) =>
        queue.add(streamConnection(s)),
      )
    : net.createServer((s) => queue.add(streamConnection(s)));
  const close = closer(server, new Set());
  const port = await listen(server);
  return {
    target: secure
      ? { scheme: 'mqtts', host: 'localhost', port, tls: { ca: getCerts().ca } }
      : { scheme: 'mqtt', host: '127.0.0.1', port },
    accept: queue.next,
    close,
  };
}

async function wsPeer(secure: boolean): Promise<ContractPeer> {
  const queue = acceptQueue();
  const server = secure
    ? https.createServer({ cert: getCerts().serverCert, key: getCerts().serverKey })
    : http.createServer();
  const close = closer(server, new Set());
  const wss = new WebSocketServer({
    server,
    path: '/mqtt',
    handleProtocols: (p) => (p.has('mqtt') ? 'mqtt' : false),
  });
  wss.on('connection', (ws) => {
    const c = collector();
    ws.on('message', (data: Buffer) => c.push(data));
    ws.on('error', () => {});
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    queue.add({
      send: (bytes) => ws.send(bytes, { binary: true }),
      received: c.received,
      end: () => ws.close(1000),
      destroy: () => ws.terminate(),
      closed,
    });
  });
  const port = await listen(server);
  const host = secure ? 'localhost' : '127.0.0.1';
  const scheme = secure ? 'wss' : 'ws';
  return {
    target: {
      scheme,
      host,
      port,
      url: `${scheme}://${host}:${port}/mqtt`,
      ...(secure ? { tls: { ca: getCerts().ca } } : {}),
    },
    accept: queue.next,
    close: async () => {
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await close();
    },
  };
}

const refused = (scheme: 'mqtt' | 'mqtts' | 'ws' | 'wss') => async () => {
  const port = await freePort();
  return { scheme, host: '127.0.0.1', port, url: `${scheme}://127.0.0.1:${port}/mqtt` };
};

transportContract({
  name: 'tcp',
  factory: tcpTransport,
  flowControl: true,
  startPeer: () => streamPeer(false),
  refusedTarget: refused('mqtt'),
});
transportContract({
  name: 'tls',
  factory: tlsTransport,
  flowControl: true,
  startPeer: () => streamPeer(true),
  refusedTarget: refused('mqtts'),
});
transportContract({
  name: 'ws (Node, ws package)',
  factory: wsTransport,
  flowControl: true,
  startPeer: () => wsPeer(false),
  refusedTarget: refused('ws'),
});
transportContract({
  name: 'wss (Node, ws package)',
  factory: wsTransport,
  flowControl: true,
  startPeer: () => wsPeer(true),
  refusedTarget: refused('wss'),
});
transportContract({
  name: 'websocket (browser transport, global WebSocket)',
  factory: websocketTransport,
  startPeer: () => wsPeer(false),
  refusedTarget: refused('ws'),
});
