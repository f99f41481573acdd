/**
 * The browser WebSocket transport on a scripted fake `WebSocket`: its error events (spec R75), an
 * error event makes the following close an error even when its code is normal, and with a
 * `classify` function the first error it can read is the one reported, held until the close; and
 * its frames (R76), one per synchronous run of writes.
 */
import { describe, expect, it } from 'vitest';
import type { ErrorData } from '../../errors.js';
import type { TransportHandlers } from '../../runtime/ports.js';
import { createWebsocketTransport, type WebSocketConstructor, type WebSocketLike } from './websocket.js';

/** A WebSocket whose events the test fires by hand; `last` is the one the transport made. */
class FakeSocket implements WebSocketLike {
  static last: FakeSocket | undefined;
  binaryType = 'blob';
  readyState = 0;
  bufferedAmount = 0;
  protocol = 'mqtt';
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { readonly data: unknown }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onclose: ((event: { readonly code?: number; readonly reason?: string }) => void) | null = null;
  constructor() {
    FakeSocket.last = this;
  }
  readonly sent: number[][] = [];
  send(data: Uint8Array): void {
    this.sent.push([...data]);
  }
  close(): void {}
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
}

function start(classify?: (context: unknown, cause: unknown) => ErrorData) {
  const seen: string[] = [];
  const errors: ErrorData[] = [];
  const handlers: TransportHandlers = {
    onOpen: () => seen.push('open'),
    onData: () => seen.push('data'),
    onError: (error) => {
      errors.push(error);
      seen.push('error');
    },
    onClose: () => seen.push('close'),
  };
  const factory = createWebsocketTransport({
    WebSocket: FakeSocket as unknown as WebSocketConstructor,
    ...(classify === undefined ? {} : { classify }),
  });
  const transport = factory({ scheme: 'ws', host: 'h', port: 1, url: 'ws://h:1/mqtt' }, handlers);
  return { socket: FakeSocket.last as FakeSocket, seen, errors, transport };
}

const data = (message: string): ErrorData => ({ code: 'TRANSPORT_ERROR', reason: 'OTHER', message });

describe('browser WebSocket error events (R75)', () => {
  it('R75: a normal close after open is no error, but the same close after an error event is CONNECTION_RESET', () => {
    const quiet = start();
    quiet.socket.open();
    quiet.socket.onclose?.({ code: 1000 });
    expect(quiet.seen).toEqual(['open', 'close']);

    const broken = start();
    broken.socket.open();
    broken.socket.onerror?.({});
    broken.socket.onclose?.({ code: 1000 });
    expect(broken.seen).toEqual(['open', 'error', 'close']);
    expect(broken.errors[0]).toMatchObject({ reason: 'CONNECTION_RESET' });
    expect(broken.errors[0]?.message).toBe(
      'ws ws://h:1/mqtt: connection reset by the peer (close code 1000)',
    );
  });

  it('R75: with classify, the first error it can read is reported at the close, and read only once', () => {
    const calls: unknown[] = [];
    const { socket, seen, errors } = start((_, cause) => {
      calls.push(cause);
      return data(`classified ${(cause as Error).message}`);
    });
    // An event without an Error cannot be classified; the next one can, and the one after is ignored.
    socket.onerror?.({});
    socket.onerror?.({ error: new Error('first') });
    socket.onerror?.({ error: new Error('second') });
    socket.onclose?.({ code: 1006 });
    expect(calls).toEqual([new Error('first')]);
    expect(seen).toEqual(['error', 'close']);
    expect(errors).toEqual([data('classified first')]);
  });

  it('R75: an error event that classify cannot read leaves the close code to explain it', () => {
    const { socket, errors } = start(() => data('never'));
    socket.onerror?.({ error: 'not an Error' });
    socket.onclose?.({ code: 1006, reason: 'gone' });
    expect(errors[0]).toMatchObject({ reason: 'WS_HANDSHAKE' });
    expect(errors[0]?.message).toBe(
      'ws ws://h:1/mqtt: the WebSocket handshake failed (close code 1006: gone)',
    );
  });
});

describe('browser WebSocket frames (R76)', () => {
  it('R76: writes before open go out as one frame at open; each later synchronous run is one frame', async () => {
    const { socket, transport } = start();
    transport.write(Uint8Array.of(1));
    await Promise.resolve();
    transport.write(Uint8Array.of(2, 3));
    await Promise.resolve();
    expect(socket.sent).toEqual([]);
    socket.open();
    expect(socket.sent).toEqual([[1, 2, 3]]);
    transport.write(Uint8Array.of(4));
    transport.write(Uint8Array.of(5));
    expect(socket.sent).toHaveLength(1);
    await Promise.resolve();
    transport.write(Uint8Array.of(6));
    await Promise.resolve();
    expect(socket.sent).toEqual([[1, 2, 3], [4, 5], [6]]);
  });
});
