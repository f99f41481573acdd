/**
 * The MQTT session against a real mosquitto: a persistent session survives a broker restart
 * (mosquitto's on-disk persistence, saved on its graceful shutdown), and after a crash (SIGKILL)
 * and restart the client re-subscribes in registration order and messages flow again. Wire order
 * is observed with a pass-through tap, since mosquitto's log arrives on a pipe that races the socket.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { QoS } from '../../protocol/session.js';
import { MqttClient, type MqttClientOptions } from '../../runtime/client.js';
import type { ServerConfig } from '../../runtime/options.js';
import { text } from '../../streams/messages.js';
import { haveMosquitto, type MosquittoHandle, startMosquitto } from '../support/brokers.js';
import { type EventOf, waitForClientEvent, waitForCount } from '../support/clientEvents.js';
import { startWireTap, type WireTap } from '../support/wireTap.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function mosquitto(options?: Parameters<typeof startMosquitto>[0]): Promise<MosquittoHandle> {
  const broker = await startMosquitto(options);
  cleanups.push(async () => {
    broker.thaw();
    await broker.kill();
  });
  return broker;
}

/** A mosquitto that keeps sessions on disk across restarts (saved on SIGTERM, loaded on start). */
async function persistentMosquitto(): Promise<MosquittoHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'mqtt-lifeline-persist-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  // Appended after brokers.ts's own `persistence false`, so it wins.
  return mosquitto({ config: `persistence true\npersistence_location ${dir}/` });
}

async function tap(port: number): Promise<WireTap> {
  const wire = await startWireTap(port);
  cleanups.push(() => wire.close());
  return wire;
}

const server = (port: number, extra: Partial<ServerConfig> = {}): ServerConfig => ({
  host: '127.0.0.1',
  port,
  minDelayMs: 20,
  maxDelayMs: 40,
  ...extra,
});

function makeClient(options: MqttClientOptions): MqttClient {
  const client = new MqttClient({ jitter: 0, keepAliveSec: 0, ...options });
  cleanups.push(() => client.disconnect());
  return client;
}

async function connect(client: MqttClient): Promise<EventOf<'connected'>> {
  const connected = waitForClientEvent(client, 'connected');
  client.connect();
  return connected;
}

describe.runIf(haveMosquitto)('MQTT session against mosquitto', () => {
  it('persistent session: QoS 1 and QoS 2 published while mosquitto restarts arrive afterwards (QoS 2 exactly once, QoS 1 at least once, a QoS 1 unanswered at the outage not lost)', async () => {
    const broker = await persistentMosquitto();
    const sub = makeClient({ servers: [server(broker.port, { clientId: 'mq-sub', clean: false })] });
    const pub = makeClient({ servers: [server(broker.port, { clientId: 'mq-pub', clean: false })] });
    const received: { text: string; qos: QoS }[] = [];
    const subscribed = waitForClientEvent(sub, 'suback');
    sub.subscribe('po/#', { qos: 2 }).subscribe((m) => {
      received.push({ text: Buffer.from(m.payload).toString('utf8'), qos: m.qos });
    });
    await connect(sub);
    expect((await subscribed).granted).toBe(2);
    await connect(pub);

    // Frozen, the broker leaves this PUBLISH unread in its socket: it is on the wire, unanswered.
    broker.freeze();
    const inflight = pub.publish('po/inflight', 'inflight', { qos: 1 });
    const down = Promise.all([
      waitForClientEvent(pub, 'disconnected'),
      waitForClientEvent(sub, 'disconnected'),
    ]);
    await broker.stop();
    await down;
    const offline = ['0', '1', '2'].flatMap((i) => [
      pub.publish(`po/q1/${i}`, `q1-${i}`, { qos: 1 }),
      pub.publish(`po/q2/${i}`, `q2-${i}`, { qos: 2 }),
    ]);
    const subBack = waitForClientEvent(sub, 'connected');
    const pubBack = waitForClientEvent(pub, 'connected');
    await broker.restart();
    await Promise.all([inflight, ...offline]);
    // mosquitto restored both sessions from disk.
    expect((await subBack).sessionPresent).toBe(true);
    expect((await pubBack).sessionPresent).toBe(true);
    await waitForCount(sub, () => [...new Set(received.map((r) => r.text))], 7);
    // Barrier: a later message from the same publisher, so any duplicate would have arrived by now.
    const end = waitForClientEvent(sub, 'message', (m) => m.topic === 'po/end');
    await pub.publish('po/end', 'end', { qos: 2 });
    await end;

    const count = (t: string) => received.filter((r) => r.text === t).length;
    for (const i of ['0', '1', '2']) {
      expect(count(`q2-${i}`), `q2-${i} exactly once`).toBe(1);
      expect(count(`q1-${i}`), `q1-${i} at least once`).toBeGreaterThanOrEqual(1);
    }
    expect(count('inflight')).toBeGreaterThanOrEqual(1);
    expect(received.filter((r) => r.text.startsWith('q2-')).every((r) => r.qos === 2)).toBe(true);
  });

  it('resubscription: after mosquitto crashes (SIGKILL) and restarts, the subscriptions come back in registration order and messages flow again', async () => {
    const broker = await mosquitto();
    const wire = await tap(broker.port);
    const client = makeClient({ servers: [server(wire.port, { clientId: 'mq-resub' })] });
    const filters = ['mr/z', 'mr/a/+', 'mr/m/#'];
    const got: string[] = [];
    const subacks = waitForClientEvent(client, 'suback', () => true, { count: filters.length });
    for (const f of filters) {
      client
        .subscribe(f, { qos: 1 })
        .pipe(text())
        .subscribe((t) => got.push(`${f}=${t}`));
    }
    await connect(client);
    await subacks;

    const lost = waitForClientEvent(client, 'disconnected');
    await broker.kill();
    await lost;
    const before = wire.packets.length;
    const again = waitForClientEvent(client, 'suback', () => true, { count: filters.length });
    await broker.restart();
    expect((await again).granted).toBe(1);
    const subscribes = (packets: typeof wire.packets) =>
      packets.flatMap(({ packet }) =>
        packet.cmd === 'subscribe' ? packet.subscriptions.map((s) => s.topic) : [],
      );
    expect(subscribes(wire.packets.slice(0, before))).toEqual(filters);
    expect(subscribes(wire.packets.slice(before))).toEqual(filters);

    const other = makeClient({ servers: [server(broker.port)] });
    await connect(other);
    const all = waitForCount(client, () => got, 3);
    await other.publish('mr/z', 'z', { qos: 1 });
    await other.publish('mr/a/1', 'a', { qos: 1 });
    await other.publish('mr/m/1/2', 'm', { qos: 1 });
    await all;
    expect(got).toEqual(['mr/z=z', 'mr/a/+=a', 'mr/m/#=m']);
  });
});
