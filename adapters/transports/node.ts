/**
 * The Node runtime's transports by scheme: `mqtt://` over `node:net`, `mqtts://` over `node:tls`,
 * `ws://` and `wss://` over the `ws` package.
 */

import type { TransportFactory } from '../../runtime/ports.js';
import { transportByScheme } from './byScheme.js';
import { tcpTransport } from './tcp.js';
import { tlsTransport } from './tls.js';
import { checkTlsSettings } from './tlsSettings.js';
import { wsTransport } from './ws.js';

/**
 * The default transport in Node: picks TCP, TLS or WebSocket by the server's scheme (spec R70),
 * and checks `tls` settings when a client is constructed (spec R72).
 */
export const nodeTransport: TransportFactory = Object.assign(
  transportByScheme({ mqtt: tcpTransport, mqtts: tlsTransport, ws: wsTransport, wss: wsTransport }, 'Node'),
  { checkTls: checkTlsSettings },
);
