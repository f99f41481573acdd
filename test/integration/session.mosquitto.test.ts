/**
 * The MQTT session against a real mosquitto: a persistent session survives a broker restart
 * (mosquitto's on-disk persistence, saved on its graceful shutdown), and after a crash (SIGKILL)
 * and restart the client re-subscribes in registration order and messages flow again. Wire order
 * is observed with a pass-through tap, since mosquitto's log arrives on a pipe that races the socket.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { text } from '../../streams/messages.js';
import { haveMosquitto, type MosquittoHandle } from '../support/brokers.js';
import { waitForClientEvent, waitForCount } from '../support/clientEvents.js';
import { connect, server, useResources } from '../support/integration.js';
import * as outage from '../support/sessionOutage.js';
import { wireSubscribes } from '../support/wireTap.js';

const { defer, mosquitto, tap, makeClient } = useResources();

/** A mosquitto that keeps sessions on disk across restarts (saved on SIGTERM, loaded on start). */
async function persistentMosquitto(): Promise<MosquittoHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'mqtt-lifeline-persist-'));
  defer(() => rmSync(dir, { recursive: true, force: true }));
  // Appended after brokers.ts's own `persistence false`, so it wins.
  return mosquitto({ config: `persistence true\npersistence_location ${dir}/` });
}

describe.runIf(haveMosquitto)('MQTT session against mosquitto', () => {
  it('persistent session: QoS 1 and QoS 2 published while mosquitto restarts arrive afterwards (QoS 2 exactly once, QoS 1 at least once, a QoS 1 unanswered at the outage not lost)', async () => {
    const broker = await persistentMosquitto();
    const sub = makeClient({ servers: [server(broker.port, { clientId: 'mq-sub', clean: false })] });
    const pub = makeClient({ servers: [server(broker.port, { clientId: 'mq-pub', clean: false })] });
    const received = await outage.connectPair(sub, pub, 'po');

    // Frozen, the broker leaves this PUBLISH unread in its socket: it is on the wire, unanswered.
    broker.freeze();
    const inflight = pub.publish('po/inflight', 'inflight', { qos: 1 });
    await outage.takeDown([pub, sub], () => broker.stop());
    const offline = outage.publishOffline(pub, 'po');
    const subBack = waitForClientEvent(sub, 'connected');
    const pubBack = waitForClientEvent(pub, 'connected');
    await broker.restart();
    await Promise.all([inflight, ...offline]);
    // mosquitto restored both sessions from disk.
    expect((await subBack).sessionPresent).toBe(true);
    expect((await pubBack).sessionPresent).toBe(true);
    await outage.awaitAllDelivered(sub, pub, 'po', received);

    outage.expectDeliveryGuarantees(received);
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
    expect(wireSubscribes(wire.packets.slice(0, before))).toEqual(filters);
    expect(wireSubscribes(wire.packets.slice(before))).toEqual(filters);

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
