import * as net from 'node:net';
import * as mqtt from 'mqtt-packet';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ErrorData } from '../../errors.js';
import type { Transport, TransportHandlers } from '../../runtime/ports.js';
import { type AedesHandle, freePort, startAedes } from '../../test/support/brokers.js';
import { createTcpTransport, tcpTransport } from './tcp.js';

type Recorded =
  | { readonly kind: 'open' }
  | { readonly kind: 'data'; readonly chunk: Uint8Array }
  | { readonly kind: 'error'; readonly error: ErrorData }
  | { readonly kind: 'close' };

/** Handlers that record every callback, in order, and let a test await a kind of event. */
function recorder() {
  const events: Recorded[] = [];
  const waiters: Array<{ kind: Recorded['kind']; resolve: () => void }> = [];
  const push = (event: Recorded) => {
    events.push(event);
    for (const waiter of waiters.filter((w) => w.kind === event.kind)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };
  const handlers: TransportHandlers = {
    onOpen: () => push({ kind: 'open' }),
    onData: (chunk) => push({ kind: 'data', chunk }),
    onError: (error) => push({ kind: 'error', error }),
    onClose: () => push({ kind: 'close' }),
  };
  return {
    events,
    handlers,
    kinds: () => events.map((e) => e.kind),
    /** Resolves when an event of `kind` has been recorded (now or later). */
    when(kind: Recorded['kind']): Promise<void> {
      if (events.some((e) => e.kind === kind)) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ kind, resolve }));
    },
  };
}

/** Lets pending I/O callbacks run once, to observe that nothing more arrives. */
function ioTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

const connectPacket = mqtt.generate({
  cmd: 'connect',
  protocolId: 'MQTT',
  protocolVersion: 4,
  clean: true,
  clientId: 't1',
  keepalive: 30,
});
const disconnectPacket = mqtt.generate({ cmd: 'disconnect' });

/** A plain TCP server whose connection handler the test supplies. */
async function rawServer(onConnection: (socket: net.Socket) => void) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    // The client side resets connections on purpose (destroy); that is not a test failure.
    socket.on('error', () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1' }, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('tcpTransport against aedes', () => {
  let aedes: AedesHandle;
  let transport: Transport | undefined;
  beforeEach(async () => {
    aedes = await startAedes();
  });
  afterEach(async () => {
    transport?.destroy();
    transport = undefined;
    await aedes.close();
  });

  it('opens, carries a CONNECT out and a CONNACK back', async () => {
    const rec = recorder();
    const parser = mqtt.parser({ protocolVersion: 4 });
    const packets: mqtt.Packet[] = [];
    const connack = new Promise<mqtt.Packet>((resolve) => parser.on('packet', resolve));
    parser.on('packet', (packet: mqtt.Packet) => packets.push(packet));
    transport = tcpTransport(
      { host: '127.0.0.1', port: aedes.port },
      {
        ...rec.handlers,
        onData: (chunk) => {
          rec.handlers.onData(chunk);
          parser.parse(chunk as Buffer);
        },
      },
    );
    await rec.when('open');
    expect(transport.write(connectPacket)).toBe(true);
    const packet = await connack;
    expect(packet).toMatchObject({ cmd: 'connack', returnCode: 0, sessionPresent: false });
    expect(rec.kinds()).toEqual(['open', 'data']);
    expect(rec.events[1]).toMatchObject({ kind: 'data' });
    expect(aedes.clients()).toBe(1);
  });

  it('gives onClose once after destroy() and no callbacks but onClose', async () => {
    const rec = recorder();
    transport = tcpTransport({ host: '127.0.0.1', port: aedes.port }, rec.handlers);
    await rec.when('open');
    transport.write(connectPacket);
    transport.destroy();
    transport.destroy();
    await rec.when('close');
    await ioTurn();
    expect(rec.kinds()).toEqual(['open', 'close']);
    expect(transport.bufferedBytes).toBe(0);
    expect(transport.write(connectPacket)).toBe(false);
  });

  it('reports a broker that drops the connection with onClose and no error', async () => {
    const rec = recorder();
    transport = tcpTransport({ host: '127.0.0.1', port: aedes.port }, rec.handlers);
    await rec.when('open');
    // A second CONNECT is a protocol violation: MQTT-3.1.0-2 makes the broker close the connection.
    transport.write(connectPacket);
    transport.write(connectPacket);
    await rec.when('close');
    expect(rec.kinds().filter((k) => k === 'close')).toHaveLength(1);
    expect(rec.kinds()).not.toContain('error');
  });
});

describe('tcpTransport failures', () => {
  it('turns a refused connection into onError then onClose, exactly once', async () => {
    const port = await freePort();
    const rec = recorder();
    tcpTransport({ host: '127.0.0.1', port }, rec.handlers);
    await rec.when('close');
    await ioTurn();
    expect(rec.kinds()).toEqual(['error', 'close']);
    const error = (rec.events[0] as { error: ErrorData }).error;
    expect(error.code).toBe('TRANSPORT_ERROR');
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).toContain(`127.0.0.1:${port}`);
  });

  it('delivers a synchronous connect failure (bad port) asynchronously as onError + onClose', async () => {
    const rec = recorder();
    const transport = tcpTransport({ host: '127.0.0.1', port: 70_000 }, rec.handlers);
    expect(rec.kinds()).toEqual([]);
    expect(transport.write(connectPacket)).toBe(false);
    await rec.when('close');
    expect(rec.kinds()).toEqual(['error', 'close']);
    expect((rec.events[0] as { error: ErrorData }).error).toMatchObject({
      code: 'TRANSPORT_ERROR',
      message: expect.stringContaining('ERR_SOCKET_BAD_PORT'),
    });
  });

  it('still closes, without an error, when destroy() precedes a synchronous connect failure', async () => {
    const rec = recorder();
    tcpTransport({ host: '127.0.0.1', port: -1 }, rec.handlers).destroy();
    await rec.when('close');
    expect(rec.kinds()).toEqual(['close']);
  });

  it('gives only onClose when destroyed while still connecting', async () => {
    const aedes = await startAedes();
    try {
      const rec = recorder();
      tcpTransport({ host: '127.0.0.1', port: aedes.port }, rec.handlers).destroy();
      await rec.when('close');
      await ioTurn();
      expect(rec.kinds()).toEqual(['close']);
    } finally {
      await aedes.close();
    }
  });
});

describe('tcpTransport end and destroy against a raw server', () => {
  it('end() flushes everything written (then a DISCONNECT) before closing', async () => {
    const payload = new Uint8Array(4 * 1024 * 1024).fill(7);
    let received = 0;
    let tail = Buffer.alloc(0);
    let serverSawEnd!: () => void;
    const ended = new Promise<void>((resolve) => {
      serverSawEnd = resolve;
    });
    const server = await rawServer((socket) => {
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
        tail = Buffer.concat([tail, chunk]).subarray(-2);
      });
      socket.on('end', () => serverSawEnd());
    });
    try {
      const rec = recorder();
      const transport = tcpTransport({ host: '127.0.0.1', port: server.port }, rec.handlers);
      await rec.when('open');
      transport.write(payload);
      transport.write(disconnectPacket);
      // 4 MiB cannot all be in the kernel yet: this proves end() has something to flush.
      expect(transport.bufferedBytes).toBeGreaterThan(0);
      transport.end();
      transport.end();
      expect(transport.write(disconnectPacket)).toBe(false);
      await Promise.all([ended, rec.when('close')]);
      expect(received).toBe(payload.length + disconnectPacket.length);
      expect([...tail]).toEqual([0xe0, 0x00]);
      expect(rec.kinds()).toEqual(['open', 'close']);
    } finally {
      await server.close();
    }
  });

  it('coalesces the packets of one synchronous run into one socket write, in order', async () => {
    const chunks: Buffer[] = [];
    let gotAll!: () => void;
    const all = new Promise<void>((resolve) => {
      gotAll = resolve;
    });
    const packets = Array.from({ length: 50 }, (_, i) => new Uint8Array([0x30, 0x03, 0x00, 0x01, i]));
    const server = await rawServer((socket) => {
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        if (Buffer.concat(chunks).length === 250) gotAll();
      });
    });
    try {
      const rec = recorder();
      const transport = tcpTransport({ host: '127.0.0.1', port: server.port }, rec.handlers);
      await rec.when('open');
      for (const packet of packets) transport.write(packet);
      // Nothing reached the socket yet: all 250 bytes wait for the end of this run.
      expect(transport.bufferedBytes).toBe(250);
      await all;
      expect(Buffer.concat(chunks)).toEqual(Buffer.concat(packets));
      expect(chunks).toHaveLength(1);
      transport.destroy();
    } finally {
      await server.close();
    }
  });

  it('end() closes even when the peer never closes its side', async () => {
    // allowHalfOpen: the server keeps its side open after our FIN, like a frozen broker would.
    const sockets: net.Socket[] = [];
    const server = net.createServer({ allowHalfOpen: true }, (socket) => {
      sockets.push(socket);
      socket.on('error', () => {});
      socket.resume();
    });
    await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1' }, resolve));
    try {
      const rec = recorder();
      const transport = tcpTransport(
        { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port },
        rec.handlers,
      );
      await rec.when('open');
      transport.write(disconnectPacket);
      transport.end();
      await rec.when('close');
      expect(rec.kinds()).toEqual(['open', 'close']);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('end() while connecting still delivers the bytes but no onOpen', async () => {
    let got!: (bytes: Buffer) => void;
    const receivedBytes = new Promise<Buffer>((resolve) => {
      got = resolve;
    });
    const server = await rawServer((socket) => {
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('end', () => got(Buffer.concat(chunks)));
    });
    try {
      const rec = recorder();
      const transport = tcpTransport({ host: '127.0.0.1', port: server.port }, rec.handlers);
      transport.write(disconnectPacket);
      transport.end();
      expect([...(await receivedBytes)]).toEqual([...disconnectPacket]);
      await rec.when('close');
      expect(rec.kinds()).toEqual(['close']);
    } finally {
      await server.close();
    }
  });

  it('delivers no onData after destroy() called from inside onData', async () => {
    const server = await rawServer((socket) => {
      // Many separate writes, so more data is pending when the client destroys.
      for (let i = 0; i < 100; i++) socket.write(Buffer.alloc(1024, i));
    });
    try {
      const rec = recorder();
      let transport: Transport | undefined;
      transport = tcpTransport(
        { host: '127.0.0.1', port: server.port },
        {
          ...rec.handlers,
          onData: (chunk) => {
            rec.handlers.onData(chunk);
            transport?.destroy();
          },
        },
      );
      await rec.when('close');
      await ioTurn();
      expect(rec.kinds()).toEqual(['open', 'data', 'close']);
    } finally {
      await server.close();
    }
  });

  it('passes received chunks through without copying them', async () => {
    const server = await rawServer((socket) => socket.end(Buffer.from([1, 2, 3])));
    try {
      const rec = recorder();
      tcpTransport({ host: '127.0.0.1', port: server.port }, rec.handlers);
      await rec.when('close');
      const data = rec.events.find((e) => e.kind === 'data') as { chunk: Uint8Array };
      expect(Buffer.isBuffer(data.chunk)).toBe(true);
      expect([...data.chunk]).toEqual([1, 2, 3]);
      expect(rec.kinds()).toEqual(['open', 'data', 'close']);
    } finally {
      await server.close();
    }
  });

  it('honours noDelay: false and buffers writes made before the connection opens', async () => {
    let got!: (bytes: Buffer) => void;
    const receivedBytes = new Promise<Buffer>((resolve) => {
      got = resolve;
    });
    const server = await rawServer((socket) => socket.once('data', got));
    try {
      const rec = recorder();
      const transport = createTcpTransport({ noDelay: false, connectTimeoutMs: 5_000 })(
        { host: '127.0.0.1', port: server.port },
        rec.handlers,
      );
      transport.write(Buffer.from([0xc0, 0x00]));
      expect(transport.bufferedBytes).toBe(2);
      expect([...(await receivedBytes)]).toEqual([0xc0, 0x00]);
      transport.destroy();
      await rec.when('close');
      expect(rec.kinds()).toEqual(['open', 'close']);
    } finally {
      await server.close();
    }
  });
});
