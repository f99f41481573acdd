/**
 * The opt-in trace (spec R90-R93): lifecycle decisions, packets sent and received, protocol
 * errors, as one line each to a {@link Logger}. Never a payload, a user name or a password: packets
 * are described by type, id, flags and sizes, read from the fixed header and the variable header.
 * Pure (no Node built-ins): the Node entry's defaults wire `NODE_DEBUG=mqtt-lifeline` through
 * `util.debuglog`; elsewhere, pass a `logger` option.
 *
 * Nothing here runs unless a logger is set: the runtime checks for one once per connection and
 * once per lifecycle event, never per message (R93).
 *
 * @module
 */

import type { ErrorData } from '../errors.js';
import type { LifecycleEvent } from '../machines/events.js';
import type { InboundPacket } from '../protocol/decoder.js';
import { TYPE_NAMES } from '../protocol/decoderRules.js';
import type { Logger, TracedServer, Tracer, TransportFactory } from './ports.js';

export type { Logger } from './ports.js';

const u16 = (b: Uint8Array, i: number): number => ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);

/** Topic text for a trace line: quoted, capped, so a huge topic cannot flood the log. */
function quote(b: Uint8Array, start: number, length: number): string {
  let text = '';
  const end = Math.min(start + length, b.length, start + 64);
  for (let i = start; i < end; i++) text += String.fromCharCode(b[i] ?? 0);
  // Bytes above 0x7f show as latin1 here: this is a trace line, not a decoder.
  return JSON.stringify(length > 64 ? `${text}...` : text);
}

/** One outgoing packet, from its bytes: `body` is where the variable header starts. */
function describeOut(b: Uint8Array, first: number, body: number, remaining: number, size: number): string {
  const type = first >> 4;
  const name = TYPE_NAMES[type] ?? '?';
  const total = `size=${size}`;
  switch (type) {
    case 1: {
      // CONNECT: protocol name, level, flags, keep alive, client id; never user name or password.
      const nameLength = u16(b, body);
      const flags = b[body + 2 + nameLength + 1] ?? 0;
      const keepAlive = u16(b, body + 2 + nameLength + 2);
      const idLength = u16(b, body + 2 + nameLength + 4);
      return (
        `${name} clientId=${quote(b, body + 2 + nameLength + 6, idLength)} keepAlive=${keepAlive}` +
        ` clean=${(flags >> 1) & 1} will=${(flags >> 2) & 1} username=${flags & 0x80 ? 'yes' : 'no'}` +
        ` password=${flags & 0x40 ? 'yes' : 'no'} ${total}`
      );
    }
    case 3: {
      const qos = (first >> 1) & 3;
      const topicLength = u16(b, body);
      const idBytes = qos === 0 ? 0 : 2;
      const id = qos === 0 ? 0 : u16(b, body + 2 + topicLength);
      return (
        `${name} topic=${quote(b, body + 2, topicLength)} id=${id} qos=${qos} retain=${first & 1}` +
        ` dup=${(first >> 3) & 1} payload=${remaining - 2 - topicLength - idBytes}B ${total}`
      );
    }
    case 8:
    case 10:
      return `${name} id=${u16(b, body)} ${total}`;
    case 4:
    case 5:
    case 6:
    case 7:
      return `${name} id=${u16(b, body)}`;
    default:
      return `${name} ${total}`;
  }
}

/**
 * Describes the packets in one outgoing write (usually one; a chunk may hold several).
 * @param bytes - Whole packets as written to the transport.
 * @returns One `send ...` line per packet.
 */
export function describeOutgoing(bytes: Uint8Array): string[] {
  const lines: string[] = [];
  let at = 0;
  while (at < bytes.length) {
    const first = bytes[at] ?? 0;
    let remaining = 0;
    let multiplier = 1;
    let i = at + 1;
    for (; i < bytes.length && i < at + 5; i++) {
      const byte = bytes[i] ?? 0;
      remaining += (byte & 0x7f) * multiplier;
      multiplier *= 128;
      if ((byte & 0x80) === 0) break;
    }
    const body = i + 1;
    lines.push(`send ${describeOut(bytes, first, body, remaining, body - at + remaining)}`);
    at = body + remaining;
  }
  return lines;
}

/**
 * Describes a received packet.
 * @param packet - As the decoder emits it.
 * @returns A `recv ...` line.
 */
export function describeInbound(packet: InboundPacket): string {
  switch (packet.cmd) {
    case 'connack':
      return `recv CONNACK rc=${packet.returnCode} sessionPresent=${packet.sessionPresent ? 1 : 0}`;
    case 'publish':
      return (
        `recv PUBLISH topic=${JSON.stringify(packet.topic.length > 64 ? `${packet.topic.slice(0, 64)}...` : packet.topic)}` +
        ` id=${packet.messageId ?? 0} qos=${packet.qos} retain=${packet.retain ? 1 : 0} dup=${packet.dup ? 1 : 0}` +
        ` payload=${packet.payload.length}B`
      );
    case 'suback':
      return `recv SUBACK id=${packet.messageId} granted=${packet.granted.join(',')}`;
    case 'pingresp':
      return 'recv PINGRESP';
    default:
      return `recv ${packet.cmd.toUpperCase()} id=${packet.messageId}`;
  }
}

const error = (e: ErrorData): string => `${e.code}: ${e.message}`;

/**
 * Describes a lifecycle event as the decision it records: which server, which attempt, why a
 * retry, which delay.
 * @param event - The event.
 * @param address - The `host:port` of a server, by index.
 * @param why - The failure that led to a `backoff` (the last `connect.error` / `disconnected`).
 */
export function describeLifecycle(
  event: LifecycleEvent,
  address: (serverIndex: number) => string,
  why: string,
): string {
  switch (event.type) {
    case 'connecting':
      return `connecting to ${event.server} (${address(event.serverIndex)}), attempt ${event.attempt}`;
    case 'connect.error':
      return `connect to ${event.server} failed: ${error(event.error)}`;
    case 'connected':
      return `connected to ${event.server} (sessionPresent=${event.sessionPresent ? 1 : 0})`;
    case 'disconnected':
      return `disconnected from ${event.server}: ${event.error === null ? 'by the user' : error(event.error)}`;
    case 'backoff':
      return (
        `retry on ${event.server} (${address(event.serverIndex)}) in ${Math.round(event.delayMs)} ms` +
        ` (nominal ${event.nominalMs} ms${event.switched ? ', failed over' : ''}) after ${why || 'a failure'}`
      );
    case 'ready':
      return `ready on ${event.server}: everything queued before this connection was delivered`;
    case 'stopped':
      return 'stopped: the user disconnected and nothing is pending';
  }
}

/** Why the next retry happens: the code of the failure in a `connect.error` / `disconnected` event. */
export function failureOf(event: LifecycleEvent): string | undefined {
  if (event.type === 'connect.error') return event.error.code;
  if (event.type === 'disconnected' && event.error !== null) return event.error.code;
  return undefined;
}

/**
 * Wraps a transport factory so every write is traced packet by packet, and transport errors and
 * closes too. The wrapper offers no zero-copy `reserve`, so traced packets all pass `write`.
 * @param factory - The transport to trace.
 * @param logger - Where the lines go.
 */
export function tracedTransport(factory: TransportFactory, logger: Logger): TransportFactory {
  return (target, handlers) => {
    const transport = factory(target, {
      onOpen: () => {
        logger(`transport open to ${target.host}:${target.port}`);
        handlers.onOpen();
      },
      onData: (chunk) => handlers.onData(chunk),
      onError: (e) => {
        logger(`transport error: ${error(e)}`);
        handlers.onError(e);
      },
      onClose: () => {
        logger('transport closed');
        handlers.onClose();
      },
      onDrain: () => handlers.onDrain?.(),
    });
    // Everything but the zero-copy path, which would bypass `write`.
    return {
      write: (bytes) => {
        for (const line of describeOutgoing(bytes)) logger(line);
        return transport.write(bytes);
      },
      get bufferedBytes() {
        return transport.bufferedBytes;
      },
      get needsDrain() {
        return transport.needsDrain;
      },
      ...(transport.whenFlushed === undefined
        ? {}
        : { whenFlushed: (callback: (flushed: boolean) => void) => transport.whenFlushed?.(callback) }),
      end: () => transport.end(),
      destroy: () => transport.destroy(),
      ref: () => transport.ref?.(),
      unref: () => transport.unref?.(),
    };
  };
}

// Scheme, host and port only: a URL as configured may carry a password (spec R91).
const address = (s: TracedServer | undefined): string =>
  s === undefined ? '?' : `${s.protocol}://${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`;

/**
 * The built-in {@link Tracer}: every hook becomes one line to `logger` (spec R91). Node's defaults
 * wire it; pass it as the `tracer` option elsewhere.
 * @param logger - Where the lines go.
 */
export function createTracer(logger: Logger): Tracer {
  // The failure that the next `backoff` retries after.
  let why = '';
  return {
    lifecycle(event, servers) {
      if (event.type === 'connecting') why = '';
      logger(describeLifecycle(event, (i) => address(servers[i]), why));
      why = failureOf(event) ?? why;
    },
    // The connection hands it the decoder's packets: this is the one place their type is restored.
    inbound: (packet) => logger(describeInbound(packet as InboundPacket)),
    protocolError: (e) => logger(`protocol error, closing: ${error(e)}`),
    wrap: (factory) => tracedTransport(factory, logger),
  };
}
