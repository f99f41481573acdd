/**
 * A browser's transports by scheme: `ws://` and `wss://` over the global `WebSocket`. `mqtt://`
 * and `mqtts://` fail each attempt with `UNSUPPORTED_SCHEME` (a browser cannot open TCP).
 * No Node built-ins: this is what a browser entry wires as its default transport.
 */
import type { TransportFactory } from '../../runtime/ports.js';
import { transportByScheme } from './byScheme.js';
import { websocketTransport } from './websocket.js';

/** The default transport in a browser: the global `WebSocket` for `ws://` and `wss://` (spec R70). */
export const browserTransport: TransportFactory = transportByScheme(
  { ws: websocketTransport, wss: websocketTransport },
  'a browser',
);
