/**
 * MQTT 5 Session Expiry against a scripted broker (spec R319-R321): what `clean` and
 * `sessionExpirySec` send, a session that expired on the broker treated as a new one (the
 * `onCleanSession` rule of R114 applies), and the client's own DISCONNECT leaving the interval as
 * the CONNECT set it.
 */
import type * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { MessageDroppedError, type MqttError } from '../../errors.js';
import type { MqttClient } from '../../runtime/client.js';
import type { ServerConfig } from '../../runtime/servers.js';
import { recordClient, waitForClientEvent } from '../support/clientEvents.js';
import { type FakeConnection, type FakeScript, publishesOf } from '../support/fakeBroker.js';
import { connect, server, useResources } from '../support/integration.js';

const { fakeBroker: fake, makeClient } = useResources();

const accept = (c: FakeConnection, sessionPresent = false): void =>
  c.send({ cmd: 'connack', reasonCode: 0, sessionPresent } as mqtt.IConnackPacket);

const v5 = (port: number, extra: Partial<ServerConfig>, options = {}): MqttClient =>
  makeClient({ servers: [server(port, { clientId: 'expiry', ...extra })], protocolVersion: 5, ...options });

describe('MQTT 5 Session Expiry (R319-R321)', () => {
  it.each([
    ['clean: false alone asks for a session that never expires', { clean: false }, 0xffff_ffff],
    ['clean: false with sessionExpirySec 120 asks for 120 s', { clean: false, sessionExpirySec: 120 }, 120],
    ['clean: true sends no interval (the session ends with the connection)', { clean: true }, undefined],
    [
      'clean: true with sessionExpirySec 30 keeps the new session 30 s',
      { clean: true, sessionExpirySec: 30 },
      30,
    ],
    ['sessionExpirySec 0 sends none', { clean: false, sessionExpirySec: 0 }, undefined],
  ] as const)('R319: %s', async (_what, extra, expected) => {
    const broker = await fake((c, p) => (p.cmd === 'connect' ? accept(c) : undefined));
    await connect(v5(broker.port, extra));
    const sent = broker.connections[0]?.packets[0] as mqtt.IConnectPacket;
    expect(sent.clean).toBe(extra.clean);
    expect(sent.properties?.sessionExpiryInterval).toBe(expected);
  });

  it.each([-1, 1.5, 2 ** 32])('R319: sessionExpirySec %s is a ConfigError naming the key', (bad) => {
    expect(() => v5(1, { sessionExpirySec: bad })).toThrow(
      expect.objectContaining({
        code: 'INVALID_CONFIG',
        message: expect.stringContaining('sessionExpirySec'),
      }),
    );
  });

  it("R320: a session that expired on the broker (Session Present 0 answering Clean Start 0) is a new session: onCleanSession 'fail' drops what the old one held", async () => {
    // Connection 0 swallows the PUBLISH and crashes; the next says the session is gone.
    const script: FakeScript = (c, p) => {
      if (p.cmd === 'connect') accept(c, false);
      if (p.cmd === 'publish') {
        if (c.index === 0) c.destroy();
        else c.send({ cmd: 'puback', messageId: p.messageId, reasonCode: 0 } as mqtt.IPubackPacket);
      }
    };
    const broker = await fake(script);
    const client = v5(
      broker.port,
      { clean: false, sessionExpirySec: 5 },
      { session: { onCleanSession: 'fail' } },
    );
    const events = recordClient(client);
    await connect(client);
    const reconnected = waitForClientEvent(client, 'connected');
    const written = client.publish('exp/written', 'w', { qos: 1 }).then(
      () => undefined,
      (error: MqttError) => error,
    );
    expect((await reconnected).sessionPresent).toBe(false);
    expect(await written).toBeInstanceOf(MessageDroppedError);
    expect(events.find((e) => e.type === 'drop')).toMatchObject({
      reason: 'session-lost',
      topic: 'exp/written',
    });
    const second = broker.connections[1] as FakeConnection;
    expect(publishesOf(second)).toEqual([]);
    expect((second.packets[0] as mqtt.IConnectPacket).clean).toBe(false);
  });

  it('R321: the client’s DISCONNECT is 0x00 without Session Expiry: the broker keeps the session as the CONNECT asked', async () => {
    const broker = await fake((c, p) => (p.cmd === 'connect' ? accept(c) : undefined));
    const client = v5(broker.port, { clean: false, sessionExpirySec: 60 });
    await connect(client);
    await client.disconnect();
    const connection = broker.connections[0] as FakeConnection;
    await connection.closed;
    const last = connection.packets.at(-1) as mqtt.IDisconnectPacket;
    expect(last.cmd).toBe('disconnect');
    expect(last.reasonCode ?? 0).toBe(0);
    expect(last.properties?.sessionExpiryInterval).toBeUndefined();
  });
});
