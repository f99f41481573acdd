/**
 * The browser demo's server (`npm run demo:browser`, and the Chromium tests): serves the page, its
 * script bundled from `scripts/browser/page/page.ts`, and the statechart SVG generated from the machine
 * (`npm run diagram`), next to an embedded aedes broker over WebSocket that the page can kill and
 * restart on the same port. Loopback only; nothing is fetched from the internet.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type AedesWsHandle, startAedesWs } from '../../test/support/wsBrokers.js';
import { bundle, ROOT } from './bundle.js';

/** Options of {@link startDemoServer}. */
export interface DemoServerOptions {
  /** Port of the page. @default a free port */
  readonly port?: number;
  /** Port of the WebSocket broker. @default a free port */
  readonly brokerPort?: number;
}

/** What the page reads from `/config.json`. */
export interface DemoConfig {
  /** The broker's WebSocket URL. */
  readonly brokerUrl: string;
  /** The broker's port. */
  readonly brokerPort: number;
}

/** A running demo. */
export interface DemoServer {
  /** The page's URL. */
  readonly url: string;
  /** The broker's port (the same across restarts). */
  readonly brokerPort: number;
  /** The running broker, or null while it is killed. */
  broker(): AedesWsHandle | null;
  /** Kills the broker: every connection drops at once. */
  killBroker(): Promise<void>;
  /** Starts the broker again on its port (a no-op while it runs). */
  startBroker(): Promise<void>;
  /** Stops the broker and the page server. */
  close(): Promise<void>;
}

const PAGE_DIR = join(ROOT, 'scripts', 'browser', 'page');
/** The statechart drawn from the machine by `npm run diagram` (scripts/diagram.ts). */
export const STATECHART_SVG = join(ROOT, 'docs', 'statechart.svg');

/** Builds the page script and starts the page server and the broker. */
export async function startDemoServer(options: DemoServerOptions = {}): Promise<DemoServer> {
  // Unminified: the demo is for reading too.
  const script = (await bundle({ entry: 'scripts/browser/page/page.ts', minify: false })).code;
  const html = readFileSync(join(PAGE_DIR, 'page.html'), 'utf8');
  const svg = readFileSync(STATECHART_SVG, 'utf8');
  let broker: AedesWsHandle | null = await startAedesWs({ port: options.brokerPort });
  const brokerPort = broker.port;
  // Kill and restart are serialised, so a double click cannot race two brokers onto one port.
  let pending: Promise<void> = Promise.resolve();
  const serially = (step: () => Promise<void>): Promise<void> => {
    pending = pending.then(step, step);
    return pending;
  };
  const killBroker = () =>
    serially(async () => {
      const running = broker;
      broker = null;
      await running?.close();
    });
  const startBroker = () =>
    serially(async () => {
      broker ??= await startAedesWs({ port: brokerPort });
    });
  const config: DemoConfig = { brokerUrl: `ws://127.0.0.1:${brokerPort}/mqtt`, brokerPort };

  const routes: Record<string, (request: IncomingMessage, response: ServerResponse) => unknown> = {
    'GET /': (_, response) => send(response, 200, 'text/html; charset=utf-8', html),
    'GET /page.js': (_, response) => send(response, 200, 'text/javascript; charset=utf-8', script),
    'GET /favicon.ico': (_, response) => response.writeHead(204).end(),
    'GET /statechart.svg': (_, response) => send(response, 200, 'image/svg+xml', svg),
    'GET /config.json': (_, response) => sendJson(response, config),
    'GET /broker': (_, response) => sendJson(response, { running: broker !== null }),
    'POST /broker/kill': async (_, response) => {
      await killBroker();
      sendJson(response, { running: false });
    },
    'POST /broker/start': async (_, response) => {
      await startBroker();
      sendJson(response, { running: true });
    },
  };
  const server = createServer((request, response) => {
    const route = routes[`${request.method} ${new URL(request.url ?? '/', 'http://x').pathname}`];
    if (route === undefined) {
      send(response, 404, 'text/plain', 'not found\n');
      return;
    }
    Promise.resolve(route(request, response)).catch((error: unknown) =>
      send(response, 500, 'text/plain', `${String(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port ?? 0, host: '127.0.0.1' }, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    brokerPort,
    broker: () => broker,
    killBroker,
    startBroker,
    async close() {
      await killBroker();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
}

function sendJson(response: ServerResponse, value: unknown): void {
  send(response, 200, 'application/json', JSON.stringify(value));
}
