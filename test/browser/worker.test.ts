/**
 * The client in a Web Worker in real Chromium (spec R184): a dashboard page that never loads the
 * library starts test/browser/worker/mqttWorker.ts as a worker and sees, through `postMessage`
 * alone, the client's state (through a broker outage) and its messages, and has it publish.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from 'aedes';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle } from '../../scripts/browser/bundle.js';
import { haveChromium, launchChromium } from '../support/chromium.js';
import { type AedesWsHandle, startAedesWs } from '../support/wsBrokers.js';
import type { FromWorker, ToWorker } from './worker/mqttWorker.js';

const WAIT = { timeout: 30_000 };

/** The dashboard: it keeps what the worker says and lets the test send the worker commands. */
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>dashboard</title>
<script>
  window.fromWorker = [];
  const worker = new Worker('/mqtt-worker.js');
  worker.onmessage = (event) => window.fromWorker.push(event.data);
  window.toWorker = (command) => worker.postMessage(command);
</script>`;

declare const fromWorker: FromWorker[];
declare const toWorker: (command: ToWorker) => void;

/** Serves the page and the worker script on a loopback port (a worker needs a real origin). */
async function serve(workerCode: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((request, response) => {
    const [type, body] =
      request.url === '/mqtt-worker.js' ? ['text/javascript', workerCode] : ['text/html', PAGE];
    response.writeHead(200, { 'content-type': type }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe.runIf(haveChromium)('the client in a Web Worker (R184)', () => {
  let browser: Browser;
  let broker: AedesWsHandle;
  let site: Awaited<ReturnType<typeof serve>>;
  let page: Page;
  /** The worker's connection as aedes sees it, to drop it. */
  let workerClient: Client | undefined;

  beforeAll(async () => {
    const [launched, started, built] = await Promise.all([
      launchChromium(),
      startAedesWs(),
      bundle({ entry: 'test/browser/worker/mqttWorker.ts', format: 'iife' }),
    ]);
    [browser, broker] = [launched, started];
    site = await serve(built.code);
    page = await browser.newPage();
    await page.goto(site.url);
  }, 60_000);

  afterAll(async () => {
    await page?.close();
    await browser?.close();
    await site?.close();
    await broker?.close();
  });

  /** What the worker has said so far, of one type. */
  const said = <T extends FromWorker['type']>(type: T) =>
    page.evaluate((t) => fromWorker.filter((m) => m.type === t) as Extract<FromWorker, { type: T }>[], type);
  /** Waits until the worker said something matching (serialisable) `expected` fields. */
  const until = (expected: Partial<Record<string, unknown>>) =>
    page.waitForFunction(
      (e) => fromWorker.some((m) => Object.entries(e).every(([k, v]) => (m as never)[k] === v)),
      expected,
      WAIT,
    );

  it('runs the client in the worker; the page sees its state, its messages, and has it publish', async () => {
    await until({ type: 'hello' });
    expect(await said('hello')).toEqual([
      { type: 'hello', inWorker: true, hasDocument: false, nodeGlobals: false },
    ]);
    // The page itself never loaded the library.
    expect(
      await page.evaluate(() => Object.keys(globalThis).filter((k) => /mqtt|lifeline/i.test(k))),
    ).toEqual([]);

    broker.broker.once('client', (client) => {
      workerClient = client;
    });
    const subscribed = new Promise<void>((resolve) => broker.broker.once('subscribe', () => resolve()));
    await page.evaluate((url) => toWorker({ type: 'connect', url, filter: 'dash/#' }), broker.url);
    await until({ type: 'state', state: 'connected' });
    await subscribed;

    // Broker -> worker -> page.
    await new Promise<void>((resolve, reject) =>
      broker.broker.publish(
        {
          cmd: 'publish',
          topic: 'dash/temperature',
          payload: Buffer.from('21.5'),
          qos: 1,
          retain: false,
          dup: false,
        },
        (error) => (error ? reject(error) : resolve()),
      ),
    );
    await until({ type: 'message', topic: 'dash/temperature' });

    // Page -> worker -> broker (and back, the worker being subscribed to dash/#).
    const atBroker = new Promise<{ topic: string; qos: number }>((resolve) =>
      broker.broker.on('publish', (packet, client) => {
        if (client !== null && packet.topic === 'dash/heater')
          resolve({ topic: packet.topic, qos: packet.qos });
      }),
    );
    await page.evaluate(() => toWorker({ type: 'publish', topic: 'dash/heater', payload: 'on', qos: 1 }));
    await until({ type: 'published', topic: 'dash/heater' });
    expect(await atBroker).toEqual({ topic: 'dash/heater', qos: 1 });
    await until({ type: 'message', topic: 'dash/heater' });
    expect(await said('message')).toEqual([
      { type: 'message', topic: 'dash/temperature', qos: 1, payload: '21.5' },
      { type: 'message', topic: 'dash/heater', qos: 1, payload: 'on' },
    ]);
    expect(await said('error')).toEqual([]);
  }, 60_000);

  it('follows a dropped connection back to connected, then stops, all seen from the page', async () => {
    const before = (await said('state')).length;
    // The broker drops the worker's connection: the client retries on its own.
    expect(workerClient).toBeDefined();
    workerClient?.close();
    await page.waitForFunction(
      (n) => {
        const states = fromWorker.flatMap((m) => (m.type === 'state' ? [m.state] : [])).slice(n);
        const away = states.findIndex((s) => s !== 'connected');
        return away >= 0 && states.indexOf('connected', away) > away;
      },
      before,
      WAIT,
    );
    await page.evaluate(() => toWorker({ type: 'disconnect' }));
    await until({ type: 'state', state: 'stopped' });
    const states = (await said('state')).map((m) => m.state);
    expect(states.slice(0, 3)).toEqual(['idle', 'connecting', 'connected']);
    expect(states.slice(before)).toContain('backoff');
    expect(states.at(-1)).toBe('stopped');
  }, 60_000);
});
