/**
 * The MQTT session against a scripted broker on a real socket ({@link startFakeBroker}), for the
 * cases a real broker cannot be made to produce on cue: an acknowledgement withheld until the
 * connection drops (DUP on re-send), a CONNACK claiming the session was lost (`onCleanSession`),
 * and malformed bytes after CONNACK.
 */
import type * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { MessageDroppedError, type MqttError } from '../../errors.js';
import type { MqttClient, MqttClientOptions } from '../../runtime/client.js';
import { recordClient, waitForClientEvent } from '../support/clientEvents.js';
import { connack, type FakeConnection, type FakeScript, publishesOf } from '../support/fakeBroker.js';
import { connect, server, useResources } from '../support/integration.js';

const { fakeBroker: fake, makeClient: testClient } = useResources();

/** A client of `port` with a persistent session under a fixed id, so a reconnect resumes it. */
const makeClient = (port: number, options: Partial<MqttClientOptions> = {}): MqttClient =>
  testClient({ servers: [server(port, { clientId: 'fake-session', clean: false })], ...options });

const ack = (connection: FakeConnection, cmd: 'puback' | 'pubrec' | 'pubcomp', messageId: number) =>
  connection.send({ cmd, messageId } as mqtt.Packet);

/** Settles with the error a publish ended with, or `undefined` when it was delivered. */
const outcome = (promise: Promise<void>): Promise<MqttError | undefined> =>
  promise.then(
    () => undefined,
    (error: MqttError) => error,
  );

describe('MQTT session against a scripted broker', () => {
  it('DUP on re-send: a QoS 1 PUBLISH unacknowledged when the connection dropped is re-sent with DUP=1 and the same id, and completes on its PUBACK', async () => {
    const broker = await fake((connection, packet) => {
      if (packet.cmd === 'connect') connection.send(connack(connection.index > 0));
      // First connection: swallow the PUBLISH and crash; later ones acknowledge it.
      if (packet.cmd === 'publish') {
        if (connection.index === 0) connection.destroy();
        else ack(connection, 'puback', packet.messageId ?? 0);
      }
    });
    const client = makeClient(broker.port);
    await connect(client);
    const reconnected = waitForClientEvent(client, 'connected');
    const delivered = outcome(client.publish('dup/q1', 'payload', { qos: 1 }));
    expect((await reconnected).sessionPresent).toBe(true);
    expect(await delivered).toBeUndefined();

    const [first, second] = broker.connections.map(publishesOf);
    expect(first).toHaveLength(1);
    expect(second).toHaveLength(1);
    expect(first?.[0]).toMatchObject({ topic: 'dup/q1', qos: 1, dup: false });
    expect(second?.[0]).toMatchObject({
      topic: 'dup/q1',
      qos: 1,
      dup: true,
      messageId: first?.[0]?.messageId,
    });
    expect(Buffer.from(second?.[0]?.payload ?? '').toString()).toBe('payload');
    const connects = broker.connections.map((c) => c.packets[0]);
    expect(connects[1]).toMatchObject({ cmd: 'connect', clean: false, clientId: 'fake-session' });
  });

  it('DUP on re-send, QoS 2: an unacknowledged PUBLISH is re-sent with DUP=1, and a PUBREL pending at the drop is re-sent, before the flow completes', async () => {
    const broker = await fake((connection, packet) => {
      if (packet.cmd === 'connect') connection.send(connack(connection.index > 0));
      if (connection.index === 0) {
        // `q2/received` gets its PUBREC; `q2/lost` is swallowed; the PUBREL then crashes the connection.
        if (packet.cmd === 'publish' && packet.topic === 'q2/received')
          ack(connection, 'pubrec', packet.messageId ?? 0);
        if (packet.cmd === 'pubrel') connection.destroy();
        return;
      }
      if (packet.cmd === 'publish') ack(connection, 'pubrec', packet.messageId ?? 0);
      if (packet.cmd === 'pubrel') ack(connection, 'pubcomp', packet.messageId ?? 0);
    });
    const client = makeClient(broker.port);
    await connect(client);
    const lost = outcome(client.publish('q2/lost', 'l', { qos: 2 }));
    const received = outcome(client.publish('q2/received', 'r', { qos: 2 }));
    expect(await Promise.all([lost, received])).toEqual([undefined, undefined]);

    const described = broker.connections.map((c) =>
      c.packets.flatMap((p) =>
        p.cmd === 'publish'
          ? [`publish:${p.topic}${p.dup ? ':dup' : ''}`]
          : p.cmd === 'pubrel'
            ? ['pubrel']
            : [],
      ),
    );
    expect(described[0]).toEqual(['publish:q2/lost', 'publish:q2/received', 'pubrel']);
    // PUBREL for the message past PUBREC first [MQTT-4.4.0-1], then the unacknowledged PUBLISH with DUP.
    expect(described[1]).toEqual(['pubrel', 'publish:q2/lost:dup', 'pubrel']);
  });

  describe('clean-session policy: a QoS 1 message written but unacked when the connection dropped, and a CONNACK with sessionPresent false', () => {
    /** Connection 0 swallows PUBLISHes and crashes; later ones say the session is gone and acknowledge. */
    const lostSession: FakeScript = (connection, packet) => {
      if (packet.cmd === 'connect') connection.send(connack(false));
      if (packet.cmd === 'publish') {
        if (connection.index === 0) connection.destroy();
        else ack(connection, 'puback', packet.messageId ?? 0);
      }
    };

    it("onCleanSession 'fail': the written message is rejected with MessageDroppedError (drop reason session-lost) and not re-sent; one queued offline is sent normally", async () => {
      const broker = await fake(lostSession);
      const client = makeClient(broker.port, { session: { onCleanSession: 'fail' } });
      const events = recordClient(client);
      await connect(client);
      let offline: Promise<MqttError | undefined> | undefined;
      // Published while the connection is down: never written, so it belonged to no session.
      const off = client.onEvent((e) => {
        if (e.type === 'disconnected') offline = outcome(client.publish('cs/offline', 'o', { qos: 1 }));
      });
      const reconnected = waitForClientEvent(client, 'connected');
      const written = outcome(client.publish('cs/written', 'w', { qos: 1 }));
      expect((await reconnected).sessionPresent).toBe(false);
      off();
      const error = await written;
      expect(error).toBeInstanceOf(MessageDroppedError);
      expect(error?.code).toBe('MESSAGE_DROPPED');
      expect(await offline).toBeUndefined();
      const drop = events.find((e) => e.type === 'drop');
      expect(drop).toMatchObject({ type: 'drop', reason: 'session-lost', topic: 'cs/written', qos: 1 });
      expect(publishesOf(broker.connections[0] as FakeConnection).map((p) => p.topic)).toEqual([
        'cs/written',
      ]);
      expect(publishesOf(broker.connections[1] as FakeConnection).map((p) => `${p.topic}:${p.dup}`)).toEqual([
        'cs/offline:false',
      ]);
    });

    it("onCleanSession 'resend': the written message is sent again (same id, DUP=1) and delivered", async () => {
      const broker = await fake(lostSession);
      const client = makeClient(broker.port, { session: { onCleanSession: 'resend' } });
      const events = recordClient(client);
      await connect(client);
      const reconnected = waitForClientEvent(client, 'connected');
      const written = outcome(client.publish('cs/written', 'w', { qos: 1 }));
      expect((await reconnected).sessionPresent).toBe(false);
      expect(await written).toBeUndefined();
      expect(events.some((e) => e.type === 'drop')).toBe(false);
      const [first] = publishesOf(broker.connections[0] as FakeConnection);
      expect(publishesOf(broker.connections[1] as FakeConnection)).toMatchObject([
        { topic: 'cs/written', dup: true, messageId: first?.messageId },
      ]);
    });
  });

  it('malformed packet: a PUBLISH with both QoS bits set after CONNACK is a protocol.error PROTOCOL_ERROR, the connection closes, and the client backs off and reconnects without throwing', async () => {
    const broker = await fake((connection, packet) => {
      if (packet.cmd !== 'connect') return;
      connection.send(connack(false));
      // Type 3 (PUBLISH) with flags 0b0110: QoS 3, forbidden by [MQTT-3.3.1-4]; then a valid body.
      if (connection.index === 0) connection.raw(Uint8Array.from([0x36, 0x05, 0x00, 0x01, 0x74, 0x00, 0x01]));
    });
    const client = makeClient(broker.port);
    const events = recordClient(client);
    const backoff = waitForClientEvent(client, 'backoff');
    const reconnected = waitForClientEvent(client, 'connected', () => true, { count: 2 });
    client.connect();
    const first = broker.nextPacket((p, c) => p.cmd === 'connect' && c.index === 0);
    await backoff;
    await (await first).connection.closed;
    await reconnected;

    const watched = new Set(['connecting', 'connected', 'protocol.error', 'disconnected', 'backoff']);
    const types = events.map((e) => e.type).filter((t) => watched.has(t));
    expect(types.slice(0, 6)).toEqual([
      'connecting',
      'connected',
      'protocol.error',
      'disconnected',
      'backoff',
      'connecting',
    ]);
    expect(events.find((e) => e.type === 'protocol.error')).toMatchObject({ code: 'PROTOCOL_ERROR' });
    expect(events.find((e) => e.type === 'disconnected')).toMatchObject({
      error: { code: 'PROTOCOL_ERROR' },
    });
    expect(events.some((e) => e.type === 'message')).toBe(false);
    expect(client.isConnected()).toBe(true);
  });
});
