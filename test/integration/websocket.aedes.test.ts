/**
 * MQTT over WebSocket (spec R76-R77): the client against aedes behind `ws` (plain and TLS, Node
 * and browser transports), and against raw WebSocket peers that split packets across frames, pack
 * several packets in one frame, close mid-frame, send text, or refuse the upgrade.
 */
import type * as net from 'node:net';
import * as mqtt from 'mqtt-packet';
import { firstValueFrom, take } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadMongooseConfig } from '../../adapters/mongoose/config.js';
import { mongooseClientOptions } from '../../adapters/mongoose/options.js';
import { MqttClient } from '../../adapters/node.js';
import { createWebsocketTransport, type WebSocketConstructor } from '../../adapters/transports/websocket.js';
import type { TransportErrorReason } from '../../errors.js';
import type { ServerConfig } from '../../runtime/options.js';
import { ofType } from '../../streams/events.js';
import { text } from '../../streams/messages.js';
import { useCleanups } from '../support/cleanups.js';
import { waitForClientEvent } from '../support/clientEvents.js';
import { checkedOptions, connect } from '../support/integration.js';
import { generateCerts } from '../support/tlsFixtures.js';
import { readClientFrames, serverFrame, startAedesWs, startRawWsPeer } from '../support/wsBrokers.js';

const defer = useCleanups();
const certs = generateCerts();
afterAll(() => certs.remove());

const browserTransport = createWebsocketTransport({
  WebSocket: WebSocket as unknown as WebSocketConstructor,
});

function client(server: ServerConfig): MqttClient {
  const c = new MqttClient(
    checkedOptions(defer, {
      servers: [{ minDelayMs: 20, maxDelayMs: 40, ...server }],
      jitter: 0,
      keepAliveSec: 0,
    }),
  );
  defer(() => c.disconnect());
  return c;
}

async function roundTrip(c: MqttClient): Promise<void> {
  await connect(c);
  for (const qos of [0, 1, 2] as const) {
    const got = firstValueFrom(c.subscribe(`ws/${qos}`, { qos }).pipe(take(1), text()));
    await firstValueFrom(c.events$.pipe(ofType('suback')));
    await c.publish(`ws/${qos}`, `over websocket ${qos}`, { qos });
    expect(await got).toBe(`over websocket ${qos}`);
  }
}

describe('MQTT over WebSocket against aedes', () => {
  it('ws:// with the default path /mqtt (Node transport)', async () => {
    const broker = await startAedesWs();
    defer(() => broker.close());
    await roundTrip(client({ url: `ws://127.0.0.1:${broker.port}` }));
  });

  it('ws:// on another path (R76)', async () => {
    const broker = await startAedesWs({ path: '/ws/broker' });
    defer(() => broker.close());
    await roundTrip(client({ url: `ws://127.0.0.1:${broker.port}/ws/broker` }));
  });

  it('wss:// with the TLS options of mqtts:// (R77)', async () => {
    const broker = await startAedesWs({ tls: { cert: certs.serverCert, key: certs.serverKey } });
    defer(() => broker.close());
    await roundTrip(client({ url: broker.url, tls: { ca: certs.ca } }));
  });

  it('wss:// refuses a server its CA does not vouch for, typed as for mqtts://', async () => {
    const broker = await startAedesWs({ tls: { cert: certs.serverCert, key: certs.serverKey } });
    defer(() => broker.close());
    const c = client({ url: broker.url, tls: { ca: certs.otherCa } });
    const error = waitForClientEvent(c, 'connect.error');
    c.connect();
    expect((await error).error).toMatchObject({ code: 'TRANSPORT_ERROR', reason: 'TLS_UNKNOWN_CA' });
  });

  it('a Mongoose config with ws_enable and ws_path connects over WebSocket (R78)', async () => {
    const broker = await startAedesWs({ path: '/mg' });
    defer(() => broker.close());
    const config = loadMongooseConfig({
      mqtt: { enable: true, server: `127.0.0.1:${broker.port}`, ws_enable: true, ws_path: '/mg' },
    });
    const c = new MqttClient(checkedOptions(defer, mongooseClientOptions(config)));
    defer(() => c.disconnect());
    await roundTrip(c);
  });

  it('the browser transport (global WebSocket API) round-trips QoS 0, 1 and 2', async () => {
    const broker = await startAedesWs();
    defer(() => broker.close());
    await roundTrip(client({ url: broker.url, transport: browserTransport }));
  });
});

const connack = mqtt.generate({ cmd: 'connack', returnCode: 0, sessionPresent: false });
const publish = (n: number) =>
  mqtt.generate({
    cmd: 'publish',
    topic: 'raw',
    payload: Buffer.from(`m${n}`),
    qos: 0,
    dup: false,
    retain: false,
  });

/** A raw peer that answers the CONNECT frame with `script(socket)`. */
async function rawPeer(script: (socket: net.Socket) => void, options?: Parameters<typeof startRawWsPeer>[1]) {
  const peer = await startRawWsPeer((socket) => {
    let bytes = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      const first = bytes.length === 0;
      bytes = Buffer.concat([bytes, chunk]);
      if (first && readClientFrames(bytes).frames.length > 0) script(socket);
    });
  }, options);
  defer(() => peer.close());
  return peer;
}

describe.each([
  ['Node ws', undefined],
  ['browser', browserTransport],
] as const)('MQTT over WebSocket framing (%s transport)', (_, transport) => {
  const rawClient = (port: number) =>
    client({ url: `ws://127.0.0.1:${port}`, ...(transport ? { transport } : {}) });

  it('reassembles packets split across frames and splits frames holding several packets (R76)', async () => {
    const packets = Buffer.concat([connack, publish(1), publish(2), publish(3)]);
    const peer = await rawPeer((socket) => {
      // CONNACK in two frames, then the first PUBLISH's head; the rest and two more in one frame.
      socket.write(serverFrame(packets.subarray(0, 1)));
      socket.write(serverFrame(packets.subarray(1, 6)));
      socket.write(serverFrame(packets.subarray(6)));
    });
    const c = rawClient(peer.port);
    const messages: string[] = [];
    c.onMessage((m) => messages.push(Buffer.from(m.payload).toString()));
    const third = waitForClientEvent(c, 'message', () => true, { count: 3 });
    await connect(c);
    await third;
    expect(messages).toEqual(['m1', 'm2', 'm3']);
  });

  it('sends CONNECT as one binary frame, and what one synchronous run writes as one frame (R76)', async () => {
    let frames: ReturnType<typeof readClientFrames>['frames'] = [];
    let second!: () => void;
    const twoFrames = new Promise<void>((resolve) => {
      second = resolve;
    });
    const peer = await startRawWsPeer((socket) => {
      let bytes = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        const before = frames.length;
        bytes = Buffer.concat([bytes, chunk]);
        frames = readClientFrames(bytes).frames;
        if (before === 0 && frames.length > 0) socket.write(serverFrame(connack));
        if (frames.length >= 2) second();
      });
    });
    defer(() => peer.close());
    const c = rawClient(peer.port);
    await connect(c);
    void c.publish('a', 'one').catch(() => {});
    void c.publish('b', 'two').catch(() => {});
    await twoFrames;
    expect(frames.map((f) => f.opcode)).toEqual([0x2, 0x2]);
    expect(frames[0]?.payload[0]).toBe(0x10);
    // Both PUBLISH packets (0x30, 8 bytes each: header, length, topic, payload) in the second frame.
    const batch = frames[1]?.payload ?? Buffer.alloc(0);
    expect(batch.length).toBe(16);
    expect([batch[0], batch[8]]).toEqual([0x30, 0x30]);
    expect(batch.toString('latin1')).toMatch(/a.*one.*b.*two/s);
  });

  const failures: [string, (socket: net.Socket) => void, TransportErrorReason | null, object?][] = [
    [
      'closes mid-frame (a frame header promising more bytes, then FIN)',
      (socket) => {
        const frame = serverFrame(connack);
        socket.end(frame.subarray(0, frame.length - 2));
      },
      null,
    ],
    ['sends a text frame', (socket) => socket.write(serverFrame(connack, 0x1)), 'WS_PROTOCOL'],
  ];
  it.each(failures)('a broker that %s fails the attempt, which is retried', async (_, script, reason) => {
    const peer = await rawPeer(script);
    const c = rawClient(peer.port);
    const errors = waitForClientEvent(c, 'connect.error', () => true, { count: 2 });
    c.connect();
    const second = await errors;
    expect(c.isConnected()).toBe(false);
    // A frame cut short delivers none of its bytes: the half CONNACK never connects.
    if (reason === null) expect(['TRANSPORT_CLOSED', 'TRANSPORT_ERROR']).toContain(second.error.code);
    else expect(second.error).toMatchObject({ code: 'TRANSPORT_ERROR', reason });
  });

  it.each([
    ['an HTTP error instead of the upgrade', { status: 404 }],
    ['an upgrade without the mqtt subprotocol', { protocol: null }],
  ] as const)('%s is a WS_HANDSHAKE connect error', async (_, options) => {
    const peer = await rawPeer(() => {}, options);
    const c = rawClient(peer.port);
    const error = waitForClientEvent(c, 'connect.error');
    c.connect();
    expect((await error).error).toMatchObject({ code: 'TRANSPORT_ERROR', reason: 'WS_HANDSHAKE' });
  });
});
