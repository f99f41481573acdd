/**
 * The Node runtime's transports by scheme: `mqtt://` over `node:net`.
 */
import { tcpTransport } from '../tcp.js';
import type { TransportFactory } from '../transport.js';
import { transportByScheme } from './byScheme.js';

/** The default transport in Node: picks TCP, TLS or WebSocket by the server's scheme. */
export const nodeTransport: TransportFactory = transportByScheme({ mqtt: tcpTransport }, 'Node');
