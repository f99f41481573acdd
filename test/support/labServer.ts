/**
 * A loopback page server for browser tests that need a real origin (IndexedDB and Web Locks are
 * not available on `about:blank`): `/` is an empty page that loads `/lab.js`, the given bundle.
 * `http://127.0.0.1` is a secure context, so `navigator.locks` exists.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running page server. */
export interface LabServer {
  /** The page's URL. */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `script` as `/lab.js` under an empty page at `/`. */
export async function startLabServer(script: string): Promise<LabServer> {
  const html = '<!doctype html><meta charset="utf-8"><title>lab</title><script src="/lab.js"></script>';
  const server = createServer((request, response) => {
    const js = request.url === '/lab.js';
    response.writeHead(js || request.url === '/' ? 200 : 404, {
      'content-type': js ? 'text/javascript' : 'text/html',
      'cache-control': 'no-store',
    });
    response.end(js ? script : request.url === '/' ? html : '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
