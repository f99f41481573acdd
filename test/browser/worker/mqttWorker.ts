/**
 * A dashboard's MQTT worker (spec R184): the browser client runs here, off the UI thread, and
 * the page talks to it with `postMessage` only. The page sends commands ({@link ToWorker}); the
 * worker answers with the client's coarse state on every change, each message received, and each
 * command's outcome ({@link FromWorker}). Bundled as a classic worker script by
 * test/browser/worker.test.ts; README "In a Web Worker" shows the same shape.
 */
import { type ClientState, MqttClient } from '../../../browser.js';

/** What the page sends. */
export type ToWorker =
  | { readonly type: 'connect'; readonly url: string; readonly filter: string }
  | { readonly type: 'publish'; readonly topic: string; readonly payload: string; readonly qos: 0 | 1 | 2 }
  | { readonly type: 'disconnect' };

/** What the worker sends back. */
export type FromWorker =
  | {
      readonly type: 'hello';
      readonly inWorker: boolean;
      readonly hasDocument: boolean;
      /** Whether Node's `Buffer` or `process` exists here (it must not: no polyfills, R184). */
      readonly nodeGlobals: boolean;
    }
  | { readonly type: 'state'; readonly state: ClientState }
  | { readonly type: 'message'; readonly topic: string; readonly qos: number; readonly payload: string }
  | { readonly type: 'published'; readonly topic: string }
  | { readonly type: 'error'; readonly code: string; readonly message: string };

/** The part of a worker's global scope used here (the project's tsconfig has no DOM types). */
interface WorkerScope {
  postMessage(message: FromWorker): void;
  addEventListener(type: 'message', listener: (event: { readonly data: ToWorker }) => void): void;
}

const scope = globalThis as unknown as WorkerScope;
const post = (message: FromWorker) => scope.postMessage(message);
const failed = (error: unknown) => {
  const e = error as { code?: string; message?: string };
  post({ type: 'error', code: e.code ?? 'UNKNOWN', message: e.message ?? String(error) });
};

let client: MqttClient | undefined;

scope.addEventListener('message', ({ data }) => {
  switch (data.type) {
    case 'connect': {
      // Short retry delays: a dashboard wants its broker back soon, and the test waits for it.
      const created = new MqttClient({ servers: [{ url: data.url, minDelayMs: 50, maxDelayMs: 200 }] });
      client = created;
      // The current state at once, then each change: few, so each crosses the thread boundary.
      created.state$.subscribe((state) => post({ type: 'state', state }));
      created.subscribe(data.filter, { qos: 1 }).subscribe((message) => {
        post({
          type: 'message',
          topic: message.topic,
          qos: message.qos,
          payload: new TextDecoder().decode(message.payload),
        });
      });
      created.connect().catch(failed);
      return;
    }
    case 'publish':
      client
        ?.publish(data.topic, data.payload, { qos: data.qos })
        .then(() => post({ type: 'published', topic: data.topic }), failed);
      return;
    case 'disconnect':
      client?.disconnect().catch(failed);
      return;
  }
});

// Proof for the page that this code runs in a worker (a worker scope, no document), unpolyfilled.
post({
  type: 'hello',
  inWorker: typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope === 'function',
  hasDocument: typeof (globalThis as { document?: unknown }).document !== 'undefined',
  nodeGlobals: ['Buffer', 'process'].some((name) => name in globalThis),
});
