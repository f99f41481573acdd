/**
 * MQTT 5 against a scripted broker (spec R236-R242): what a stock broker will not do on cue. A
 * broker that breaks the protocol gets a DISCONNECT with the right reason code before the socket
 * closes; the broker's DISCONNECT is a typed error and is not answered; CONNACK reason codes stop
 * or retry by the table of R242; the client's own DISCONNECT carries 0x00.
 */
import type * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import type { MqttClient, MqttClientOptions } from '../../runtime/client.js';
import { waitForClientEvent } from '../support/clientEvents.js';
import type { FakeConnection } from '../support/fakeBroker.js';
import { connect, server, useResources } from '../support/integration.js';

const { fakeBroker: fake, makeClient } = useResources();

const v5Client = (port: number, options: Partial<MqttClientOptions> = {}): MqttClient =>
  makeClient({ servers: [server(port, { clientId: 'v5' })], protocolVersion: 5, ...options });

const accept = (connection: FakeConnection): void =>
  connection.send({ cmd: 'connack', reasonCode: 0, sessionPresent: false } as mqtt.IConnackPacket);

/** The DISCONNECT the client sent on `connection` before its socket closed, if any. */
async function farewellOf(connection: FakeConnection): Promise<mqtt.IDisconnectPacket | undefined> {
  await connection.closed;
  const last = connection.packets.at(-1);
  return last?.cmd === 'disconnect' ? last : undefined;
}

describe('MQTT 5 against a scripted broker', () => {
  it('R236: the CONNECT is MQTT 5; clean false asks for a session that never expires, and the incoming limit is announced as Maximum Packet Size', async () => {
    const broker = await fake((c, p) => (p.cmd === 'connect' ? accept(c) : undefined));
    const client = makeClient({
      servers: [server(broker.port, { clientId: 'keeper', clean: false })],
      protocolVersion: 5,
      maxIncomingPacketBytes: 4096,
    });
    await connect(client);
    expect(broker.connections[0]?.packets[0]).toMatchObject({
      cmd: 'connect',
      protocolVersion: 5,
      clientId: 'keeper',
      clean: false,
      properties: { sessionExpiryInterval: 0xffff_ffff, maximumPacketSize: 4096 },
    });
  });

  it.each([
    // PUBLISH whose property block claims 9 bytes where 1 is left: malformed.
    ['a malformed PUBLISH', '0x81', [0x30, 0x05, 0x00, 0x01, 0x61, 0x09, 0x01], 0x81],
    // AUTH to a client whose CONNECT named no Authentication Method (R241).
    ['an AUTH nobody asked for', '0x82', [0xf0, 0x00], 0x82],
    // PUBLISH with Topic Alias 11, above the 10 the client announced (R251).
    ['a Topic Alias above the maximum', '0x94', [0x30, 0x07, 0x00, 0x01, 0x61, 0x03, 0x23, 0x00, 0x0b], 0x94],
  ])(
    'R237: %s is answered with DISCONNECT %s before the socket closes, then the client reconnects',
    async (_what, _hex, bytes, reasonCode) => {
      const broker = await fake((c, p) => {
        if (p.cmd !== 'connect') return;
        accept(c);
        if (c.index === 0) c.raw(Uint8Array.from(bytes));
      });
      const client = v5Client(broker.port);
      const failed = waitForClientEvent(client, 'disconnected');
      const again = waitForClientEvent(client, 'connected', () => true, { count: 2 });
      client.connect();
      const error = (await failed).error;
      expect(error).toMatchObject({ code: 'PROTOCOL_ERROR', reasonCode });
      const first = broker.connections[0] as FakeConnection;
      expect(await farewellOf(first)).toMatchObject({ cmd: 'disconnect', reasonCode });
      await again;
    },
  );

  it('R237: a CONNACK that contradicts the CONNECT (session present after Clean Start) is answered with DISCONNECT 0x82', async () => {
    const broker = await fake((c, p) => {
      if (p.cmd === 'connect')
        c.send({ cmd: 'connack', reasonCode: 0, sessionPresent: c.index === 0 } as mqtt.IConnackPacket);
    });
    const client = v5Client(broker.port);
    const failed = waitForClientEvent(client, 'connect.error');
    client.connect();
    expect((await failed).error).toMatchObject({ code: 'PROTOCOL_ERROR', reasonCode: 0x82 });
    expect(await farewellOf(broker.connections[0] as FakeConnection)).toMatchObject({ reasonCode: 0x82 });
  });

  it('R239: the client own DISCONNECT carries reason code 0x00 (normal disconnection)', async () => {
    const broker = await fake((c, p) => (p.cmd === 'connect' ? accept(c) : undefined));
    const client = v5Client(broker.port);
    await connect(client);
    await client.disconnect();
    const bye = await farewellOf(broker.connections[0] as FakeConnection);
    expect(bye?.cmd).toBe('disconnect');
    expect(bye?.reasonCode ?? 0).toBe(0);
  });

  it('R240: a server DISCONNECT (0x8B server shutting down) is a ServerDisconnectError naming the code, is not answered, and the client reconnects (R264: at once, the only server being the next one)', async () => {
    const broker = await fake((c, p) => {
      if (p.cmd !== 'connect') return;
      accept(c);
      if (c.index === 0) {
        c.send({ cmd: 'disconnect', reasonCode: 0x8b, properties: { reasonString: 'maintenance' } });
        c.destroy();
      }
    });
    const client = v5Client(broker.port);
    const dropped = waitForClientEvent(client, 'disconnected');
    const again = waitForClientEvent(client, 'connected', () => true, { count: 2 });
    client.connect();
    expect((await dropped).error).toMatchObject({
      code: 'SERVER_DISCONNECT',
      reasonCode: 0x8b,
      message: expect.stringMatching(/Server shutting down \(reason code 0x8B\): maintenance/),
    });
    await again;
    expect(broker.connections[0]?.packets.map((p) => p.cmd)).toEqual(['connect']);
  });
});
