import * as net from 'node:net';
import * as mqtt from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AedesHandle,
  haveMosquitto,
  type MosquittoHandle,
  startAedes,
  startMosquitto,
} from './brokers.js';

/** A raw MQTT 3.1.1 connection: packets written with `send`, answers awaited with `next`. */
async function rawMqtt(port: number) {
  const socket = net.connect({ port, host: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  // Brokers going away mid-test reset the connection; the test observes that through `closed`.
  socket.on('error', () => {});
  const parser = mqtt.parser({ protocolVersion: 4 });
  const queue: mqtt.Packet[] = [];
  const waiting: Array<(packet: mqtt.Packet) => void> = [];
  parser.on('packet', (packet: mqtt.Packet) => {
    const waiter = waiting.shift();
    if (waiter) waiter(packet);
    else queue.push(packet);
  });
  socket.on('data', (chunk: Buffer) => parser.parse(chunk));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    socket,
    closed,
    send: (packet: mqtt.Packet) => socket.write(mqtt.generate(packet)),
    /** The next packet from the broker. */
    next(): Promise<mqtt.Packet> {
      const queued = queue.shift();
      if (queued) return Promise.resolve(queued);
      return new Promise((resolve) => waiting.push(resolve));
    },
  };
}

function connect(clientId: string, credentials: { username?: string; password?: string } = {}): mqtt.Packet {
  return {
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    clientId,
    keepalive: 30,
    ...(credentials.username === undefined ? {} : { username: credentials.username }),
    ...(credentials.password === undefined ? {} : { password: Buffer.from(credentials.password) }),
  };
}

/** Connects, sends CONNECT and returns the CONNACK return code. */
async function connackCode(port: number, credentials?: { username?: string; password?: string }) {
  const client = await rawMqtt(port);
  try {
    client.send(connect('probe', credentials));
    const packet = await client.next();
    expect(packet.cmd).toBe('connack');
    return (packet as mqtt.IConnackPacket).returnCode;
  } finally {
    client.socket.destroy();
  }
}

/** `'none'` if `promise` has not settled within `ms`: asserting absence needs a window. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | 'none'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'none'>((resolve) => {
    timer = setTimeout(() => resolve('none'), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe.runIf(haveMosquitto)('startMosquitto', () => {
  let broker: MosquittoHandle | undefined;
  afterEach(async () => {
    await broker?.stop();
    broker = undefined;
  });

  it('starts a broker that accepts an anonymous CONNECT', async () => {
    broker = await startMosquitto();
    expect(broker.pid).toBeGreaterThan(0);
    expect(await connackCode(broker.port)).toBe(0);
  });

  it('freeze() leaves a CONNECT unanswered until thaw()', async () => {
    broker = await startMosquitto();
    const client = await rawMqtt(broker.port);
    broker.freeze();
    client.send(connect('frozen'));
    const answer = client.next();
    expect(await within(answer, 300)).toBe('none');
    broker.thaw();
    expect(await answer).toMatchObject({ cmd: 'connack', returnCode: 0 });
    client.socket.destroy();
  });

  it('stop() closes client connections and restart() serves the same port again', async () => {
    broker = await startMosquitto();
    const { port, pid } = broker;
    const client = await rawMqtt(port);
    client.send(connect('before'));
    expect(await client.next()).toMatchObject({ cmd: 'connack' });
    await broker.stop();
    await client.closed;
    await broker.restart();
    expect(broker.port).toBe(port);
    expect(broker.pid).not.toBe(pid);
    expect(await connackCode(port)).toBe(0);
  });

  it('kill() crashes it and restart() recovers, also from a frozen state', async () => {
    broker = await startMosquitto();
    broker.freeze();
    await broker.kill();
    await broker.restart();
    expect(await connackCode(broker.port)).toBe(0);
  });

  it('refuses anonymous and bad passwords when passwords are given', async () => {
    broker = await startMosquitto({ passwords: { alice: 'wonderland', bob: 'builder' } });
    expect(await connackCode(broker.port, { username: 'alice', password: 'wonderland' })).toBe(0);
    expect(await connackCode(broker.port, { username: 'bob', password: 'builder' })).toBe(0);
    expect(await connackCode(broker.port, { username: 'alice', password: 'wrong' })).toBe(5);
    expect(await connackCode(broker.port)).toBe(5);
  });

  it('applies an ACL file: a subscriber never receives messages on a topic it may not read', async () => {
    // mosquitto 2.0.11 still grants a forbidden 3.1.1 subscription in SUBACK (later versions may
    // answer 0x80), so the ACL shows in what gets delivered, not in the SUBACK.
    broker = await startMosquitto({ aclFile: 'topic readwrite allowed/#\ntopic write secret/#' });
    const subscriber = await rawMqtt(broker.port);
    const publisher = await rawMqtt(broker.port);
    subscriber.send(connect('sub'));
    publisher.send(connect('pub'));
    expect(await subscriber.next()).toMatchObject({ cmd: 'connack', returnCode: 0 });
    expect(await publisher.next()).toMatchObject({ cmd: 'connack', returnCode: 0 });
    subscriber.send({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: [
        { topic: 'secret/x', qos: 0 },
        { topic: 'allowed/x', qos: 0 },
      ],
    });
    expect(await subscriber.next()).toMatchObject({ cmd: 'suback', messageId: 1 });
    const publish = (topic: string) =>
      publisher.send({
        cmd: 'publish',
        topic,
        payload: Buffer.from(topic),
        qos: 0,
        retain: false,
        dup: false,
      });
    // One publisher's messages arrive in order, so receiving the second proves the first was dropped.
    publish('secret/x');
    publish('allowed/x');
    expect(await subscriber.next()).toMatchObject({ cmd: 'publish', topic: 'allowed/x' });
    subscriber.socket.destroy();
    publisher.socket.destroy();
  });
});

describe('startAedes', () => {
  const handles: AedesHandle[] = [];
  afterEach(async () => {
    await Promise.all(handles.splice(0).map((h) => h.close()));
  });

  it('counts open connections and closes them on close()', async () => {
    const aedes = await startAedes();
    handles.push(aedes);
    const client = await rawMqtt(aedes.port);
    client.send(connect('a1'));
    expect(await client.next()).toMatchObject({ cmd: 'connack', returnCode: 0 });
    expect(aedes.clients()).toBe(1);
    expect(aedes.broker.connectedClients).toBe(1);
    await aedes.close();
    await client.closed;
    expect(aedes.clients()).toBe(0);
    expect(aedes.broker.closed).toBe(true);
  });

  it('restarts on the same port after close()', async () => {
    const first = await startAedes();
    handles.push(first);
    const client = await rawMqtt(first.port);
    client.send(connect('r1'));
    await client.next();
    await first.close();
    await client.closed;
    const second = await startAedes({ port: first.port });
    handles.push(second);
    expect(second.port).toBe(first.port);
    expect(await connackCode(second.port)).toBe(0);
  });

  it('closes connections that never sent CONNECT', async () => {
    const aedes = await startAedes();
    handles.push(aedes);
    const client = await rawMqtt(aedes.port);
    await aedes.close();
    await client.closed;
    expect(client.socket.destroyed).toBe(true);
  });
});
