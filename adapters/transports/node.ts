/**
 * The Node runtime's transports by scheme: `mqtt://` over `node:net`, `mqtts://` over `node:tls`.
 */
import { tcpTransport } from '../tcp.js';
import type { TransportFactory } from '../transport.js';
import { transportByScheme } from './byScheme.js';
import { tlsTransport } from './tls.js';

/** The default transport in Node: picks TCP, TLS or WebSocket by the server's scheme. */
export const nodeTransport: TransportFactory = transportByScheme(
  { mqtt: tcpTransport, mqtts: tlsTransport },
  'Node',
);
