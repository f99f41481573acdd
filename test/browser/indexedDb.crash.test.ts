/**
 * A tab that crashes right after `publish` returned (spec R191): the page publishes, lets the
 * task end (Chromium sends a transaction's requests to its storage process only then; a renderer
 * killed within the same task loses them, spec R191), then spins forever, and its renderer process
 * is SIGKILLed: no unload, no later task. A new tab on the same store gets every message back.
 * Its own Chromium, because the test kills renderer processes.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle } from '../../scripts/browser/bundle.js';
import { haveChromium, launchChromium } from '../support/chromium.js';
import { type LabServer, startLabServer } from '../support/labServer.js';

/** `promise`, or a failure saying what never happened after 20 s (instead of hanging until the test's timeout). */
async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(what)), 20_000);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

type Lab = typeof import('../../browser.js') & typeof import('../../browserIndexedDb.js');
declare const lab: Lab;

describe.runIf(haveChromium)('a crashed tab (R191)', () => {
  let browser: Browser;
  let server: LabServer;

  beforeAll(async () => {
    browser = await launchChromium();
    const built = await bundle({ entry: 'test/support/idbLab.ts', format: 'iife', minify: false });
    server = await startLabServer(built.code);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  // Both policies: in Chromium 'turn' is as durable as 'urgent' (R191).
  it.each(['urgent', 'turn'] as const)(
    'commit %s: keeps every QoS 1 and 2 message published in a task that ended before the renderer was killed',
    async (commit) => {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.goto(server.url);
        await page.waitForFunction(() => typeof (globalThis as { lab?: unknown }).lab === 'object');
        const published = page.waitForEvent('console', (m) => m.text() === 'published');
        // Not awaited: the evaluation never ends.
        page
          .evaluate(async (commit) => {
            const store = await lab.openIndexedDbStore(`crash-${commit}`, { commit });
            const client = new lab.MqttClient({
              servers: [{ url: 'ws://127.0.0.1:9/mqtt', clientId: 'idb-crash', clean: false }],
              session: { store },
              storeRecovery: lab.attachStore,
            });
            for (let i = 0; i < 20; i++) {
              client.publishNow('idb/q1', `${i}`, 1, false);
              client.publishNow('idb/q2', `${i}`, 2, false);
            }
            // The task that published ends here; the next one never does.
            await new Promise((r) => setTimeout(r, 0));
            console.log('published');
            for (;;) {
              // Nothing after this point runs: no unload handler, no close, no later commit.
            }
          }, commit)
          .catch(() => {});
        await within(published, 'the page never said it had published');
        const crashed = page.waitForEvent('crash');
        const cdp = await browser.newBrowserCDPSession();
        const { processInfo } = (await cdp.send('SystemInfo.getProcessInfo')) as {
          processInfo: { type: string; id: number }[];
        };
        const renderers = processInfo.filter((p) => p.type === 'renderer');
        expect(renderers.length).toBeGreaterThan(0);
        for (const renderer of renderers) {
          try {
            process.kill(renderer.id, 'SIGKILL');
          } catch (error) {
            // An earlier test's renderer may have exited since the list was taken.
            if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
          }
        }
        await within(crashed, 'the page never crashed after its renderers were killed');

        const next = await context.newPage();
        await next.goto(server.url);
        await next.waitForFunction(() => typeof (globalThis as { lab?: unknown }).lab === 'object');
        const restored = await next.evaluate(async (commit) => {
          // The dead tab's lock goes when the browser notices the crash: wait for it.
          const store = await lab.openIndexedDbStore(`crash-${commit}`, { lockTimeoutMs: 10_000 });
          const client = new lab.MqttClient({
            servers: [{ url: 'ws://127.0.0.1:9/mqtt', clientId: 'idb-crash', clean: false }],
            session: { store },
            storeRecovery: lab.attachStore,
          });
          return client.session.queueLength;
        }, commit);
        expect(restored).toBe(40);
      } finally {
        await context.close();
      }
    },
    60_000,
  );
});
