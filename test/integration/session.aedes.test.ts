/**
 * The MQTT session over real sockets against embedded aedes brokers: persistent sessions across a
 * broker restart, re-subscription order, SUBACK refusals, the QoS cap, the offline queue and its
 * overflow policies, the replay ordering barrier, oversized inbound packets, unsent-byte
 * accounting and failover. Wire order and DUP flags are observed with a pass-through tap (aedes
 * may report one socket read's packets out of order); broker-side facts use aedes's events and its
 * authorization hooks, which can also withhold an acknowledgement or refuse a filter on cue.
 */
import type { AuthorizePublishHandler } from 'aedes';
import { firstValueFrom, lastValueFrom, map, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { MessageDroppedError, type MqttError, NotConnectedError, SubscribeError } from '../../errors.js';
import type { PublishResult, QoS } from '../../protocol/session.js';
import type { MqttClient } from '../../runtime/client.js';
import { text } from '../../streams/messages.js';
import { type AedesHandle, freePort } from '../support/brokers.js';
import {
  recordBroker,
  recordClient,
  waitForBroker,
  waitForClientEvent,
  waitForCount,
} from '../support/clientEvents.js';
import { connect, server, useResources } from '../support/integration.js';
import * as outage from '../support/sessionOutage.js';
import { wirePublishes, wireSubscribes } from '../support/wireTap.js';

const { aedes, tap, makeClient } = useResources();

/** A publish whose synchronous result and eventual outcome (undefined = delivered) are both kept. */
interface Tracked {
  readonly result: PublishResult;
  readonly outcome: Promise<MqttError | undefined>;
}

function track(client: MqttClient, topic: string, payload: string, qos: QoS, retain = false): Tracked {
  let settle: (error: MqttError | undefined) => void = () => {};
  const outcome = new Promise<MqttError | undefined>((resolve) => {
    settle = resolve;
  });
  const result = client.publishNow(topic, payload, qos, retain, (error) => settle(error));
  return { result, outcome };
}

const payloadText = (payload: Buffer | string): string =>
  typeof payload === 'string' ? payload : payload.toString('utf8');

/** The persistence of a running aedes, to hand to its successor (a broker restart that keeps sessions). */
const persistenceOf = (handle: AedesHandle): unknown =>
  (handle.broker as unknown as { persistence: unknown }).persistence;

describe('MQTT session against aedes', () => {
  it('persistent session: QoS 1 and QoS 2 published during a broker outage arrive after it returns (QoS 2 exactly once, QoS 1 at least once, the in-flight QoS 1 re-sent with DUP=1)', async () => {
    let heldDup: (dup: boolean) => void = () => {};
    const held = new Promise<boolean>((resolve) => {
      heldDup = resolve;
    });
    // The first broker never acknowledges `ps/inflight`: it is on the wire, unacked, at the outage.
    const withhold: AuthorizePublishHandler = (_client, packet, callback) => {
      if (packet.topic === 'ps/inflight') heldDup(packet.dup);
      else callback(null);
    };
    const first = await aedes({ aedes: { authorizePublish: withhold } });
    const wire = await tap(first.port);
    const sub = makeClient({ servers: [server(first.port, { clientId: 'ps-sub', clean: false })] });
    const pub = makeClient({ servers: [server(wire.port, { clientId: 'ps-pub', clean: false })] });
    const received = await outage.connectPair(sub, pub, 'ps');
    const inflight = pub.publish('ps/inflight', 'inflight', { qos: 1 });
    expect(await held).toBe(false);

    await outage.takeDown([pub, sub], () => first.close());
    const offline = outage.publishOffline(pub, 'ps');
    // Everything is held for the replay: the unacked message and the six published offline.
    expect(pub.session.queueLength).toBe(7);

    const subBack = waitForClientEvent(sub, 'connected');
    await aedes({ port: first.port, aedes: { persistence: persistenceOf(first) } });
    await Promise.all([inflight, ...offline]);
    // The broker kept the subscriber's session (subscription and queued messages) across the outage.
    expect((await subBack).sessionPresent).toBe(true);
    await outage.awaitAllDelivered(sub, pub, 'ps', received);

    // On the wire: the unacked message again, now with DUP=1, then the queue in publish order.
    expect(wirePublishes(wire.packets)).toEqual([
      'ps/inflight',
      'ps/inflight:dup',
      'ps/q1/0',
      'ps/q2/0',
      'ps/q1/1',
      'ps/q2/1',
      'ps/q1/2',
      'ps/q2/2',
      'ps/end',
    ]);
    outage.expectDeliveryGuarantees(received);
    expect(received.find((r) => r.text === 'q2-0')?.qos).toBe(2);
  });

  it('resubscription: after a broker restart the subscriptions come back in registration order and messages flow again', async () => {
    const first = await aedes();
    const wire = await tap(first.port);
    const client = makeClient({ servers: [server(wire.port, { clientId: 'resub' })] });
    const filters = ['rs/c', 'rs/a/+', 'rs/b/#'];
    const got: Record<string, string[]> = {};
    const subacks = waitForClientEvent(client, 'suback', () => true, { count: filters.length });
    for (const f of filters) {
      got[f] = [];
      client
        .subscribe(f, { qos: 1 })
        .pipe(text())
        .subscribe((t) => got[f]?.push(t));
    }
    await connect(client);
    await subacks;

    await first.close();
    const second = await aedes({ port: first.port });
    const before = wire.packets.length;
    const again = waitForClientEvent(client, 'suback', () => true, { count: filters.length });
    expect((await waitForClientEvent(client, 'connected')).sessionPresent).toBe(false);
    await again;
    expect(wireSubscribes(wire.packets.slice(0, before))).toEqual(filters);
    expect(wireSubscribes(wire.packets.slice(before))).toEqual(filters);

    const other = makeClient({ servers: [server(second.port)] });
    await connect(other);
    const all = waitForCount(client, () => Object.values(got).flat(), 3);
    await other.publish('rs/c', 'to-c', { qos: 1 });
    await other.publish('rs/a/x', 'to-a', { qos: 1 });
    await other.publish('rs/b/x/y', 'to-b', { qos: 1 });
    await all;
    expect(got).toEqual({ 'rs/c': ['to-c'], 'rs/a/+': ['to-a'], 'rs/b/#': ['to-b'] });
  });

  it('SUBACK failure: subscribe() errors with SubscribeError SUBSCRIBE_FAILED, events$ shows suback granted null, subscriptions() shows the granted QoS', async () => {
    const broker = await aedes({
      aedes: {
        // A null subscription is aedes's way to answer 0x80 (failure) for that filter.
        authorizeSubscribe: (_client, sub, callback) =>
          callback(null, sub.topic.startsWith('deny/') ? null : sub),
      },
    });
    const client = makeClient({ servers: [server(broker.port)] });
    await connect(client);
    const okSuback = waitForClientEvent(client, 'suback', (e) => e.filter === 'ok/#');
    client.subscribe('ok/#', { qos: 1 }).subscribe();
    expect(await okSuback).toMatchObject({ filter: 'ok/#', granted: 1 });

    const denied = waitForClientEvent(client, 'suback', (e) => e.filter === 'deny/#');
    // What subscriptions() says at the moment the SUBACK is reported (before the stream's teardown).
    let listedAtSuback: unknown;
    const off = client.onEvent((e) => {
      if (e.type === 'suback' && e.filter === 'deny/#') listedAtSuback = client.subscriptions();
    });
    const failure = firstValueFrom(client.subscribe('deny/#', { qos: 1 })).then(
      () => undefined,
      (error: unknown) => error,
    );
    const error = await failure;
    off();
    expect(error).toBeInstanceOf(SubscribeError);
    expect(error).toMatchObject({ code: 'SUBSCRIBE_FAILED', filter: 'deny/#' });
    expect(await denied).toMatchObject({ type: 'suback', filter: 'deny/#', granted: null });
    expect(listedAtSuback).toEqual([
      { filter: 'ok/#', qos: 1, granted: 1 },
      { filter: 'deny/#', qos: 1, granted: null },
    ]);
    // The errored stream has no consumer left, so its filter is withdrawn; the granted one stays.
    expect(client.subscriptions()).toEqual([{ filter: 'ok/#', qos: 1, granted: 1 }]);
  });

  it('SUBACK failure on the re-subscription after a reconnect also errors the subscribe() stream with SubscribeError', async () => {
    const first = await aedes();
    const client = makeClient({ servers: [server(first.port)] });
    let failure: unknown;
    const granted = waitForClientEvent(client, 'suback');
    client.subscribe('acl/#', { qos: 1 }).subscribe({
      error: (error: unknown) => {
        failure = error;
      },
    });
    await connect(client);
    expect((await granted).granted).toBe(1);
    // The restarted broker refuses the filter (an ACL changed meanwhile).
    await first.close();
    const refused = waitForClientEvent(client, 'suback');
    await aedes({
      port: first.port,
      aedes: { authorizeSubscribe: (_client, _sub, callback) => callback(null, null) },
    });
    expect(await refused).toMatchObject({ filter: 'acl/#', granted: null });
    // The errored stream had the only consumer, so the filter is withdrawn (as in the test above).
    expect(client.subscriptions()).toEqual([]);
    // The SUBACK is handled synchronously, so the stream's error would already have been delivered.
    expect(failure).toBeInstanceOf(SubscribeError);
  });

  it('max QoS downgrade: under maxQos 0 a QoS 1 publish reaches the broker as QoS 0 and resolves when written; setMaxQos(1) restores QoS 1', async () => {
    const broker = await aedes();
    const client = makeClient({
      servers: [server(broker.port, { clientId: 'maxqos' })],
      session: { maxQos: 0 },
    });
    const seen = recordBroker(broker.broker, 'publish', 'maxqos', (p) => `${p.topic}@${p.qos}`);
    const subscribed = recordBroker(broker.broker, 'subscribe', 'maxqos', (s) =>
      s.map((x) => `${x.topic}@${x.qos}`),
    );
    const events = recordClient(client);
    await connect(client);

    const capped = waitForBroker(broker.broker, 'publish', (p) => p.topic === 'mq/capped');
    const resultCapped = track(client, 'mq/capped', 'a', 1);
    // QoS 0: no packet id, and delivered (written) before the broker even answered.
    expect(resultCapped.result).toEqual({ packetId: 0, disposition: 'sent', writable: true });
    expect(await resultCapped.outcome).toBeUndefined();
    await capped;
    const subCapped = waitForClientEvent(client, 'suback');
    client.subscribe('mq/sub', { qos: 2 }).subscribe();
    expect((await subCapped).granted).toBe(0);

    client.setMaxQos(1);
    const puback = waitForClientEvent(client, 'puback');
    const restored = track(client, 'mq/restored', 'b', 2);
    expect(restored.result.disposition).toBe('sent');
    expect(restored.result.packetId).toBeGreaterThan(0);
    expect(await restored.outcome).toBeUndefined();
    expect((await puback).packetId).toBe(restored.result.packetId);
    expect(seen).toEqual(['mq/capped@0', 'mq/restored@1']);
    expect(subscribed.flat()).toEqual(['mq/sub@0']);
    expect(events.filter((e) => e.type === 'puback' || e.type === 'pubrec')).toHaveLength(1);
  });

  describe('offline queue overflow (maxQueueLength 3, five QoS 1 publishes before connecting)', () => {
    async function offlineFive(overflow: 'drop-oldest' | 'drop-newest' | 'reject') {
      const broker = await aedes();
      const wire = await tap(broker.port);
      const client = makeClient({ servers: [server(wire.port)], session: { maxQueueLength: 3, overflow } });
      const events = recordClient(client);
      return { client, arrived: () => wirePublishes(wire.packets), events };
    }

    /** What each publish did at once (sent, queued or dropped). */
    const dispositions = (sent: readonly Tracked[]) => sent.map((s) => s.result.disposition);

    /** Publishes `m0` to `m4` at QoS 1, each to `ovf/<m>`, keeping every result and outcome. */
    const publishFive = (client: MqttClient): Tracked[] =>
      ['m0', 'm1', 'm2', 'm3', 'm4'].map((m) => track(client, `ovf/${m}`, m, 1));

    /** Each of `dropped` ended with MessageDroppedError QUEUE_FULL. */
    async function expectQueueFull(dropped: readonly Tracked[]): Promise<void> {
      for (const { outcome } of dropped) {
        const error = await outcome;
        expect(error).toBeInstanceOf(MessageDroppedError);
        expect(error?.code).toBe('QUEUE_FULL');
      }
    }

    /** Each of `kept` was delivered. */
    async function expectDelivered(kept: readonly Tracked[]): Promise<void> {
      expect(await Promise.all(kept.map((s) => s.outcome))).toEqual(kept.map(() => undefined));
    }

    it('drop-oldest: the two oldest are dropped (drop event reason overflow, promise rejects MessageDroppedError QUEUE_FULL); the kept three arrive in order', async () => {
      const { client, arrived, events } = await offlineFive('drop-oldest');
      const sent = publishFive(client);
      expect(dispositions(sent)).toEqual(['queued', 'queued', 'queued', 'queued', 'queued']);
      const drops = events.filter((e) => e.type === 'drop');
      expect(drops).toEqual([
        { type: 'drop', reason: 'overflow', topic: 'ovf/m0', packetId: sent[0]?.result.packetId, qos: 1 },
        { type: 'drop', reason: 'overflow', topic: 'ovf/m1', packetId: sent[1]?.result.packetId, qos: 1 },
      ]);
      await expectQueueFull(sent.slice(0, 2));
      await connect(client);
      await expectDelivered(sent.slice(2));
      expect(arrived()).toEqual(['ovf/m2', 'ovf/m3', 'ovf/m4']);
    });

    it('drop-newest: the two newest are dropped (packet id 0, QUEUE_FULL); the first three arrive in order', async () => {
      const { client, arrived, events } = await offlineFive('drop-newest');
      const sent = publishFive(client);
      expect(dispositions(sent)).toEqual(['queued', 'queued', 'queued', 'dropped', 'dropped']);
      expect(events.filter((e) => e.type === 'drop')).toEqual([
        { type: 'drop', reason: 'overflow', topic: 'ovf/m3', packetId: 0, qos: 1 },
        { type: 'drop', reason: 'overflow', topic: 'ovf/m4', packetId: 0, qos: 1 },
      ]);
      await expectQueueFull(sent.slice(3));
      await connect(client);
      await expectDelivered(sent.slice(0, 3));
      expect(arrived()).toEqual(['ovf/m0', 'ovf/m1', 'ovf/m2']);
    });

    it('reject: publishNow throws MessageDroppedError QUEUE_FULL synchronously and publish() rejects, nothing is dropped from the queue; the first three arrive in order', async () => {
      const { client, arrived, events } = await offlineFive('reject');
      const kept = ['m0', 'm1', 'm2'].map((m) => client.publish(`ovf/${m}`, m, { qos: 1 }));
      let thrown: unknown;
      try {
        client.publishNow('ovf/m3', 'm3', 1, false, () => {
          throw new Error('the callback of a rejected publish must not be called');
        });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(MessageDroppedError);
      expect(thrown).toMatchObject({ code: 'QUEUE_FULL' });
      await expect(client.publish('ovf/m4', 'm4', { qos: 1 })).rejects.toMatchObject({
        name: 'MessageDroppedError',
        code: 'QUEUE_FULL',
      });
      expect(events.filter((e) => e.type === 'drop')).toEqual([]);
      expect(client.session.queueLength).toBe(3);
      await connect(client);
      await Promise.all(kept);
      expect(arrived()).toEqual(['ovf/m0', 'ovf/m1', 'ovf/m2']);
    });
  });

  it('QoS 0 while offline is dropped and the caller is told: NotConnectedError, drop event reason offline; it never reaches the broker', async () => {
    const broker = await aedes();
    const wire = await tap(broker.port);
    const client = makeClient({ servers: [server(wire.port)] });
    const events = recordClient(client);
    const dropped = track(client, 'q0/offline', 'lost', 0);
    expect(dropped.result).toEqual({ packetId: 0, disposition: 'dropped', writable: true });
    const error = await dropped.outcome;
    expect(error).toBeInstanceOf(NotConnectedError);
    expect(error?.code).toBe('NOT_CONNECTED');
    await expect(client.publish('q0/offline', 'lost too')).rejects.toBeInstanceOf(NotConnectedError);
    expect(events.filter((e) => e.type === 'drop')).toEqual([
      { type: 'drop', reason: 'offline', topic: 'q0/offline', packetId: 0, qos: 0 },
      { type: 'drop', reason: 'offline', topic: 'q0/offline', packetId: 0, qos: 0 },
    ]);
    await connect(client);
    // A QoS 1 publish after connecting is acknowledged only after everything before it was processed.
    await client.publish('q0/after', 'x', { qos: 1 });
    expect(wirePublishes(wire.packets)).toEqual(['q0/after']);
  });

  it('QoS 0 published from a connected listener goes out: once connected is reported (isConnected() true) the client is not offline', async () => {
    const broker = await aedes();
    const wire = await tap(broker.port);
    const client = makeClient({ servers: [server(wire.port)] });
    const events = recordClient(client);
    let connectedThen: boolean | undefined;
    let outcome: Promise<MqttError | undefined> | undefined;
    client.onEvent((e) => {
      if (e.type !== 'connected') return;
      connectedThen = client.isConnected();
      outcome = client.publish('st/online', 'online').then(
        () => undefined,
        (error: MqttError) => error,
      );
    });
    await connect(client);
    expect(connectedThen).toBe(true);
    // Barrier: acknowledged only after everything written before it reached the broker.
    await client.publish('st/after', 'x', { qos: 1 });
    expect(events.filter((e) => e.type === 'drop')).toEqual([]);
    expect(await outcome).toBeUndefined();
    expect(wirePublishes(wire.packets)).toEqual(['st/online', 'st/after']);
  });

  it('ordering barrier: queued messages go out in original order before new QoS >= 1 publishes made right after reconnect', async () => {
    const broker = await aedes();
    const wire = await tap(broker.port);
    // Stop-and-wait replay, so the queue is still non-empty while new publishes are made.
    const client = makeClient({ servers: [server(wire.port)], session: { maxInflight: 1 } });
    const events = recordClient(client);
    const queued = [track(client, 'b/0', '0', 1), track(client, 'b/1', '1', 2), track(client, 'b/2', '2', 1)];
    const late: Tracked[] = [];
    const off = client.onEvent((e) => {
      // Right after CONNACK, and again in the middle of the replay.
      if (e.type === 'connected') late.push(track(client, 'b/at-connected', 'c', 1));
      if ((e.type === 'puback' || e.type === 'pubcomp') && late.length === 1) {
        late.push(track(client, 'b/mid-replay', 'm', 2));
      }
    });
    const ready = waitForClientEvent(client, 'ready');
    client.connect();
    await ready;
    off();
    await Promise.all([...queued, ...late].map((t) => t.outcome));
    expect(late).toHaveLength(2);
    expect(wirePublishes(wire.packets)).toEqual(['b/0', 'b/1', 'b/2', 'b/at-connected', 'b/mid-replay']);
    // `ready` waits for every message queued before the connection, not for the later ones.
    const readyAt = events.findIndex((e) => e.type === 'ready');
    const ackAt = (packetId: number) =>
      events.findIndex((e) => (e.type === 'puback' || e.type === 'pubcomp') && e.packetId === packetId);
    for (const q of queued) expect(ackAt(q.result.packetId)).toBeLessThan(readyAt);
    expect(ackAt(late[1]?.result.packetId ?? -1)).toBeGreaterThan(readyAt);
  });

  it("ready after replay: the ready lifecycle event is reported after the session's replay.done, with and without a replay", async () => {
    const broker = await aedes();
    const client = makeClient({ servers: [server(broker.port)] });
    const events = recordClient(client);
    const order = () =>
      events.flatMap((e) => (e.type === 'replay.done' || e.type === 'ready' ? [e.type] : []));
    // Nothing queued: the replay is empty and done at CONNACK.
    const firstReady = waitForClientEvent(client, 'ready');
    client.connect();
    await firstReady;
    expect(order()).toEqual(['replay.done', 'ready']);
    // Two messages queued offline: the replay ends with the last acknowledgement.
    await client.disconnect();
    events.length = 0;
    const sent = [client.publish('rd/1', '1', { qos: 1 }), client.publish('rd/2', '2', { qos: 2 })];
    const ready = waitForClientEvent(client, 'ready');
    client.connect();
    await Promise.all([ready, ...sent]);
    expect(order()).toEqual(['replay.done', 'ready']);
  });

  describe('oversized inbound packet (maxIncomingPacketBytes 1024, a retained 4 KB message redelivered on every resubscribe)', () => {
    async function storm(profile: 'default' | 'mongoose') {
      const broker = await aedes();
      const publisher = makeClient({ servers: [server(broker.port)] });
      await connect(publisher);
      await publisher.publish('big/x', 'x'.repeat(4096), { qos: 1, retain: true });
      const victim = makeClient({
        servers: [
          server(broker.port, { minDelayMs: 20, maxDelayMs: 40 }),
          server(broker.port, { minDelayMs: 10, maxDelayMs: 160 }),
        ],
        profile,
        maxIncomingPacketBytes: 1024,
      });
      victim.subscribe('big/#').subscribe();
      const events = recordClient(victim);
      const fifth = waitForClientEvent(victim, 'backoff', () => true, { count: 5 });
      victim.connect();
      await fifth;
      return events;
    }

    it('the connection closes with protocol.error PACKET_TOO_LARGE and, in the default profile, the backoff escalates and fails over instead of storming (R18)', async () => {
      const events = await storm('default');
      const protocolErrors = events.filter((e) => e.type === 'protocol.error');
      expect(protocolErrors.length).toBeGreaterThanOrEqual(5);
      expect(new Set(protocolErrors.map((e) => e.type === 'protocol.error' && e.code))).toEqual(
        new Set(['PACKET_TOO_LARGE']),
      );
      expect(events.find((e) => e.type === 'disconnected')).toMatchObject({
        error: { code: 'PACKET_TOO_LARGE', option: 'maxIncomingPacketBytes', limit: 1024 },
      });
      expect(events.some((e) => e.type === 'message')).toBe(false);
      const backoffs = events.flatMap((e) => (e.type === 'backoff' ? [`${e.server}:${e.nominalMs}`] : []));
      // P(20-40): 40 at max, so the next kick fails over; B(10-160) then doubles 20, 40, 80, 160.
      expect(backoffs.slice(0, 5)).toEqual(['mqtt:40', 'mqtt1:20', 'mqtt1:40', 'mqtt1:80', 'mqtt1:160']);
    });

    it('contrast: the mongoose profile resets on every CONNACK, so the same broker causes a retry storm at the same delay (R17)', async () => {
      const events = await storm('mongoose');
      const backoffs = events.flatMap((e) => (e.type === 'backoff' ? [`${e.server}:${e.nominalMs}`] : []));
      expect(backoffs.slice(0, 5)).toEqual(['mqtt:40', 'mqtt:40', 'mqtt:40', 'mqtt:40', 'mqtt:40']);
      expect(
        events
          .filter((e) => e.type === 'protocol.error')
          .every((e) => e.type === 'protocol.error' && e.code === 'PACKET_TOO_LARGE'),
      ).toBe(true);
    });
  });

  it('numUnsentBytes counts queued payload bytes while offline, keeps counting them in flight until the ack, and returns to 0 after delivery', async () => {
    let release: () => void = () => {};
    const heldPublish = new Promise<void>((resolve) => {
      release = resolve;
    });
    let firstHeld: () => void = () => {};
    const holding = new Promise<void>((resolve) => {
      firstHeld = resolve;
    });
    let held = false;
    const broker = await aedes({
      aedes: {
        authorizePublish: (_client, _packet, callback) => {
          if (held) return callback(null);
          held = true;
          firstHeld();
          void heldPublish.then(() => callback(null));
        },
      },
    });
    const client = makeClient({ servers: [server(broker.port)] });
    expect(client.numUnsentBytes()).toBe(0);
    const a = client.publish('nb/a', 'a'.repeat(100), { qos: 1 });
    const b = client.publish('nb/b', new Uint8Array(250), { qos: 2 });
    // QoS 0 is dropped offline, never queued, so it counts for nothing.
    const c = client.publish('nb/c', 'c'.repeat(1000)).catch((error: unknown) => error);
    expect(client.numUnsentBytes()).toBe(350);
    expect(await c).toBeInstanceOf(NotConnectedError);
    await connect(client);
    await holding;
    expect(client.numUnsentBytes()).toBe(350);
    release();
    await Promise.all([a, b]);
    expect(client.numUnsentBytes()).toBe(0);
  });

  it('failover: with the primary down, subscriptions and QoS 1 messages made before connecting are carried to the backup', async () => {
    const primary = await freePort();
    const backup = await aedes();
    const client = makeClient({
      servers: [
        server(primary, { clientId: 'fo', minDelayMs: 10, maxDelayMs: 20 }),
        server(backup.port, { clientId: 'fo', minDelayMs: 10, maxDelayMs: 40 }),
      ],
    });
    const subscribed = recordBroker(backup.broker, 'subscribe', 'fo', (s) =>
      s.map((x) => `${x.topic}@${x.qos}`),
    );
    const arrived = recordBroker(backup.broker, 'publish', 'fo', (p) => payloadText(p.payload));
    // Copied inside the handler: a message's payload is a view, valid only there.
    const three = lastValueFrom(
      client.subscribe('fo/#', { qos: 1 }).pipe(
        map((m) => `${m.topic}=${Buffer.from(m.payload).toString('utf8')}`),
        take(3),
        toArray(),
      ),
    );
    const sent = [client.publish('fo/own', 'q-1', { qos: 1 }), client.publish('fo/own', 'q-2', { qos: 1 })];
    const connected = waitForClientEvent(client, 'connected');
    const suback = waitForClientEvent(client, 'suback');
    client.connect();
    expect((await connected).server).toBe('mqtt1');
    await Promise.all(sent);
    expect((await suback).granted).toBe(1);
    expect(subscribed.flat()).toEqual(['fo/#@1']);
    expect(arrived).toEqual(['q-1', 'q-2']);

    const other = makeClient({ servers: [server(backup.port)] });
    await connect(other);
    await other.publish('fo/other', 'from-other', { qos: 1 });
    expect(await three).toEqual(['fo/own=q-1', 'fo/own=q-2', 'fo/other=from-other']);
  });
});
