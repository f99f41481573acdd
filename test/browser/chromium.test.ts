/**
 * The client in real Chromium (Debian's, driven by playwright-core): the browser bundle over the
 * page's own WebSocket to aedes, and the demo page following a broker outage, its journal replayed
 * in Node (spec R122, R124-R126).
 */
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromJsonLines, replay } from '../../machines/journal.js';
import { bundle } from '../../scripts/browser/bundle.js';
import { type DemoServer, startDemoServer } from '../../scripts/browser/demoServer.js';
import { haveChromium, launchChromium } from '../support/chromium.js';
import { type AedesWsHandle, startAedesWs } from '../support/wsBrokers.js';

/** The demo page's test handle (`window.demo`), as far as these tests use it. */
interface DemoHandle {
  client: { isConnected(): boolean; state: string };
  seen: unknown[];
  received: { topic: string; qos: number; payload: string }[];
  journalText(): string;
  replayed(): unknown[] | null;
  lit(): string[];
  states(): number;
  app: { lit(): string[]; child(): unknown; handled(): number };
}
declare const demo: DemoHandle;

const WAIT = { timeout: 30_000 };

describe.runIf(haveChromium)('in Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  describe('the browser bundle', () => {
    let broker: AedesWsHandle;
    let page: Page;

    beforeAll(async () => {
      broker = await startAedesWs();
      page = await browser.newPage();
      const built = await bundle({ entry: 'browser.ts', format: 'iife', globalName: 'lifeline' });
      await page.addScriptTag({ content: built.code });
    }, 60_000);

    afterAll(async () => {
      await page?.close();
      await broker?.close();
    });

    it('runs with no Node globals and no polyfills (R122)', async () => {
      const globals = await page.evaluate(() => ({
        buffer: typeof (globalThis as { Buffer?: unknown }).Buffer,
        process: typeof (globalThis as { process?: unknown }).process,
        client: typeof (globalThis as { lifeline?: { MqttClient?: unknown } }).lifeline?.MqttClient,
      }));
      expect(globals).toEqual({ buffer: 'undefined', process: 'undefined', client: 'function' });
    });

    it('connects over WebSocket, publishes and receives at QoS 0, 1 and 2 (R125)', async () => {
      const fromPage: { topic: string; qos: number; client: string }[] = [];
      broker.broker.on('publish', (packet, client) => {
        if (client !== null && packet.topic.startsWith('lab/')) {
          fromPage.push({ topic: packet.topic, qos: packet.qos, client: client.id });
        }
      });
      const received = page.evaluate(async (url) => {
        type Lib = typeof import('../../browser.js');
        const { MqttClient } = (globalThis as unknown as { lifeline: Lib }).lifeline;
        const client = new MqttClient({ servers: [{ url, clientId: 'page' }] });
        const messages: { topic: string; qos: number; payload: string }[] = [];
        const all = new Promise<void>((resolve) => {
          client.subscribe('lab/#', { qos: 2 }).subscribe((message) => {
            messages.push({
              topic: message.topic,
              qos: message.qos,
              payload: new TextDecoder().decode(message.payload),
            });
            if (messages.length === 4) resolve();
          });
        });
        client.connect();
        await new Promise<void>((resolve) => {
          const off = client.onEvent((event) => {
            if (event.type === 'suback') {
              off();
              resolve();
            }
          });
        });
        for (const qos of [0, 1, 2] as const)
          await client.publish(`lab/qos${qos}`, `from the page at ${qos}`, { qos });
        (globalThis as unknown as { ready: boolean }).ready = true;
        await all;
        await client.disconnect();
        return { messages, state: client.state };
      }, broker.url);
      // A message from Node, through the broker, to the page.
      await page.waitForFunction(
        () => (globalThis as unknown as { ready?: boolean }).ready === true,
        null,
        WAIT,
      );
      await new Promise<void>((resolve, reject) =>
        broker.broker.publish(
          {
            cmd: 'publish',
            topic: 'lab/node',
            payload: Buffer.from('from node'),
            qos: 1,
            retain: false,
            dup: false,
          },
          (error) => (error ? reject(error) : resolve()),
        ),
      );
      const result = await received;
      expect(result.state).toBe('stopped');
      expect(result.messages.sort((a, b) => a.topic.localeCompare(b.topic))).toEqual([
        { topic: 'lab/node', qos: 1, payload: 'from node' },
        { topic: 'lab/qos0', qos: 0, payload: 'from the page at 0' },
        { topic: 'lab/qos1', qos: 1, payload: 'from the page at 1' },
        { topic: 'lab/qos2', qos: 2, payload: 'from the page at 2' },
      ]);
      // The broker itself saw the page's three publishes, each at its QoS.
      expect(fromPage.map(({ topic, qos }) => [topic, qos])).toEqual([
        ['lab/qos0', 0],
        ['lab/qos1', 1],
        ['lab/qos2', 2],
      ]);
    }, 60_000);
  });

  describe('the demo page', () => {
    let server: DemoServer;
    let page: Page;

    beforeAll(async () => {
      server = await startDemoServer();
      page = await browser.newPage({ acceptDownloads: true, viewport: { width: 1400, height: 1000 } });
      await page.goto(server.url);
    }, 60_000);

    afterAll(async () => {
      await page?.close();
      await server?.close();
    });

    it('follows a broker kill and restart through backoff to connected, lit on the statechart (R124)', async () => {
      // Connected, and the session's replay done: the delivery region reaches `ready`.
      await page.waitForFunction(
        () =>
          (globalThis as { demo?: DemoHandle }).demo?.lit().includes('online_connected_delivery_ready') ===
          true,
        null,
        WAIT,
      );
      expect(await page.evaluate(() => demo.states())).toBeGreaterThan(20);
      expect(await page.textContent('#state')).toBe('connected');

      await page.click('#kill');
      await page.waitForSelector('#state[data-state="backoff"]', WAIT);
      expect(await page.evaluate(() => demo.lit())).toEqual(expect.arrayContaining(['cluster_backoff']));
      expect(await page.textContent('#broker')).toBe('broker down');

      await page.click('#restart');
      await page.waitForFunction(
        () =>
          (globalThis as { demo?: DemoHandle }).demo?.lit().includes('online_connected_delivery_ready') ===
          true,
        null,
        WAIT,
      );
      expect(await page.textContent('#state')).toBe('connected');
      const coarse = await page.evaluate(() => demo.seen.map((value) => JSON.stringify(value)));
      const firstBackoff = coarse.findIndex((value) => value.includes('"backoff"'));
      const reconnected = coarse.findLastIndex((value) => value.includes('"delivery":"ready"'));
      expect(firstBackoff).toBeGreaterThan(0);
      expect(reconnected).toBeGreaterThan(firstBackoff);
    }, 90_000);

    it('its QoS buttons publish and the messages come back through the broker', async () => {
      await page.waitForFunction(
        () => (globalThis as { demo?: DemoHandle }).demo?.client.isConnected() === true,
        null,
        WAIT,
      );
      for (const button of ['#pub0', '#pub1', '#pub2']) await page.click(button);
      await page.waitForFunction(() => demo.received.length >= 3, null, WAIT);
      const received = await page.evaluate(() => demo.received.map((m) => [m.topic, m.qos]));
      expect(received.sort()).toEqual([
        ['demo/qos0', 0],
        ['demo/qos1', 1],
        ['demo/qos2', 2],
      ]);
    }, 60_000);

    it('its app panel: the device machine and its MQTT child, both lit, through a command, a reset and back (R171, R179)', async () => {
      const appLit = (state: string) =>
        page.waitForFunction(
          (s) => (globalThis as { demo?: DemoHandle }).demo?.app.lit().includes(s) === true,
          state,
          WAIT,
        );
      await appLit('online.idle');
      expect(JSON.stringify(await page.evaluate(() => demo.app.child()))).toContain('"delivery":"ready"');
      expect(await page.getAttribute('#app-child', 'class')).toContain('active');
      const shown = await page.$$eval('#app-states li.active', (items) => items.map((i) => i.textContent));
      expect(shown).toEqual(['online', 'online.idle']);

      await page.click('#app-command');
      await page.waitForFunction(() => demo.app.handled() === 1, null, WAIT);
      await appLit('online.idle');

      // Leaving `online` stops the child (R176): its statechart goes dark.
      await page.click('#app-reset');
      await appLit('provisioning');
      expect(await page.evaluate(() => demo.app.child())).toBeNull();
      expect(await page.textContent('#app-child')).toBe('stopped');

      await page.click('#app-provision');
      await appLit('online.idle');
      expect(JSON.stringify(await page.evaluate(() => demo.app.child()))).toContain('"connected"');
    }, 90_000);

    it('the downloaded journal replays in Node to the states the page saw live (R126)', async () => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
      const path = await download.path();
      const journal = fromJsonLines(readFileSync(path, 'utf8'));
      const live = await page.evaluate(() => demo.seen);
      // The first value the page saw is the initial state; each later one follows a journal entry.
      expect(replay(journal).map((step) => step.value)).toEqual(live.slice(1));
      const inputs = journal.entries.map((entry) => entry.event.type);
      expect(inputs).toEqual(expect.arrayContaining(['client.connect', 'random.drawn']));
      // The kill: the WebSocket reports a reset (or a bare close), either way an input.
      expect(inputs.some((type) => type === 'transport.error' || type === 'transport.closed')).toBe(true);
      expect(inputs.some((type) => type.startsWith('xstate.after.retryDelay'))).toBe(true);

      // The page's own replay gives the same states.
      await page.click('#replay');
      expect(await page.evaluate(() => demo.replayed())).toEqual(live.slice(1));
      expect(await page.textContent('#state')).toMatch(/^replay \d+\/\d+$/);

      // Back to live, then the downloaded file itself, loaded into the page, replays the same.
      await page.click('#live');
      expect(await page.evaluate(() => demo.replayed())).toBeNull();
      await page.setInputFiles('#file', path);
      await page.waitForFunction(() => demo.replayed() !== null, null, WAIT);
      expect(await page.evaluate(() => demo.replayed())).toEqual(live.slice(1));
    }, 60_000);
  });
});
