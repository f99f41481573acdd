/**
 * MQTT 5 enhanced authentication against a scripted broker (spec R310-R316): SCRAM-SHA-256 on the
 * client (WebCrypto) and on the broker (node:crypto, test/support/scramServer.ts). The broker's
 * side: CONNECT with client-first -> AUTH 0x18 server-first -> client AUTH 0x18 client-final ->
 * CONNACK with server-final (or 0x86); AUTH 0x19 -> ... -> AUTH 0x00 (or DISCONNECT 0x87).
 */
import type * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { scramSha256 } from '../../adapters/auth/scram.js';
import type { MqttClient, MqttClientOptions } from '../../runtime/client.js';
import { waitForClientEvent } from '../support/clientEvents.js';
import type { FakeConnection } from '../support/fakeBroker.js';
import { server, useResources } from '../support/integration.js';
import { type ScramServerExchange, scramServer } from '../support/scramServer.js';

const { fakeBroker: fake, makeClient } = useResources();

const METHOD = 'SCRAM-SHA-256';

interface BrokerScript {
  /** Send this method in AUTH instead of the client's. */
  readonly method?: string;
  /** Spoil the server-final signature. */
  readonly lie?: boolean;
  /** Withhold PUBACK until re-authentication ends. */
  readonly holdPuback?: boolean;
  /** Refuse every re-authentication with DISCONNECT 0x87. */
  readonly refuseReauth?: boolean;
}

const auth = (reasonCode: number, method: string, data: Buffer): mqtt.IAuthPacket =>
  ({
    cmd: 'auth',
    reasonCode,
    properties: { authenticationMethod: method, authenticationData: data },
  }) as mqtt.IAuthPacket;

/** A broker that knows alice/secret and speaks SCRAM-SHA-256 through AUTH. */
function scramBroker(script: BrokerScript = {}) {
  const users = scramServer({ username: 'alice', password: 'secret' });
  const exchanges = new Map<FakeConnection, { exchange: ScramServerExchange; connected: boolean }>();
  const held: mqtt.IPubackPacket[] = [];
  const method = script.method ?? METHOD;
  const start = (c: FakeConnection, data: Buffer | undefined, connected: boolean) => {
    const exchange = users();
    exchanges.set(c, { exchange, connected });
    c.send(auth(0x18, method, exchange.first(data ?? Buffer.alloc(0))));
  };
  return {
    held,
    script: (c: FakeConnection, p: mqtt.Packet) => {
      if (p.cmd === 'connect') start(c, p.properties?.authenticationData, false);
      if (p.cmd === 'auth' && p.reasonCode === 0x19) start(c, p.properties?.authenticationData, true);
      if (p.cmd === 'auth' && p.reasonCode === 0x18) {
        const state = exchanges.get(c);
        if (state === undefined) return;
        let final = state.exchange.final(p.properties?.authenticationData ?? Buffer.alloc(0));
        if (final !== null && script.lie === true) final = Buffer.from('v=AAAA');
        if (!state.connected) {
          c.send(
            (final === null
              ? { cmd: 'connack', reasonCode: 0x86, sessionPresent: false }
              : {
                  cmd: 'connack',
                  reasonCode: 0,
                  sessionPresent: false,
                  properties: { authenticationMethod: METHOD, authenticationData: final },
                }) as mqtt.IConnackPacket,
          );
        } else if (final === null || script.refuseReauth === true) {
          c.send({ cmd: 'disconnect', reasonCode: 0x87 } as mqtt.IDisconnectPacket);
        } else {
          c.send(auth(0x00, METHOD, final));
          for (const ack of held.splice(0)) c.send(ack);
        }
      }
      if (p.cmd === 'publish' && p.qos === 1) {
        const ack = { cmd: 'puback', messageId: p.messageId } as mqtt.IPubackPacket;
        if (script.holdPuback === true) held.push(ack);
        else c.send(ack);
      }
    },
  };
}

function scramClient(port: number, password: string, options: Partial<MqttClientOptions> = {}): MqttClient {
  return makeClient({
    servers: [server(port, { clientId: 'alice-1' })],
    protocolVersion: 5,
    auth: scramSha256({ username: 'alice', password }),
    ...options,
  });
}

const stateNames = (client: MqttClient): string[] => {
  const seen: string[] = [];
  client.lifecycle.subscribeSnapshots((s) => seen.push(JSON.stringify(s.value)));
  return seen;
};

/** The DISCONNECT the client sent on `connection` before its socket closed, if any. */
async function farewellOf(connection: FakeConnection): Promise<mqtt.IDisconnectPacket | undefined> {
  await connection.closed;
  const last = connection.packets.at(-1);
  return last?.cmd === 'disconnect' ? last : undefined;
}

describe('MQTT 5 enhanced authentication against a scripted SCRAM-SHA-256 broker', () => {
  it('R310, R311, R316: CONNECT names the method, one AUTH 0x18 each way, CONNACK with a verified server-final: connected', async () => {
    const broker = await fake(scramBroker().script);
    const client = scramClient(broker.port, 'secret', { journal: true });
    const states = stateNames(client);
    const connected = waitForClientEvent(client, 'connected');
    client.connect();
    await connected;
    const packets = broker.connections[0]?.packets ?? [];
    expect(packets[0]).toMatchObject({ cmd: 'connect', properties: { authenticationMethod: METHOD } });
    expect(packets[1]).toMatchObject({
      cmd: 'auth',
      reasonCode: 0x18,
      properties: { authenticationMethod: METHOD },
    });
    expect(states).toContain(JSON.stringify({ online: { connecting: 'authenticating' } }));
    // R312: the exchange is counted in the context; its data is nowhere in the journal.
    expect(client.lifecycle.getSnapshot().context.authSteps).toBe(1);
    const journal = JSON.stringify(client.lifecycle.journal());
    expect(journal).toContain('"mqtt5.auth"');
    expect(journal).not.toContain('secret');
    expect(journal).not.toMatch(/r=|p=|v=/);
  });

  it("R315: a wrong password gets CONNACK 0x86 and the client stops under onRefused 'stop', reporting it", async () => {
    const broker = await fake(scramBroker().script);
    const client = scramClient(broker.port, 'wrong');
    const stopped = waitForClientEvent(client, 'stopped');
    client.connect();
    expect((await stopped).error).toMatchObject({ code: 'CONNACK_REFUSED' });
    expect(broker.connections).toHaveLength(1);
  });

  it('R316: a broker whose server-final does not verify gets DISCONNECT 0x80 instead of a session', async () => {
    const broker = await fake(scramBroker({ lie: true }).script);
    const client = scramClient(broker.port, 'secret', { onRefused: 'retry' });
    const failed = waitForClientEvent(client, 'connect.error');
    client.connect();
    expect((await failed).error).toMatchObject({ code: 'PROTOCOL_ERROR', reasonCode: 0x80 });
    expect(await farewellOf(broker.connections[0] as FakeConnection)).toMatchObject({ reasonCode: 0x80 });
  });

  it('R316: a broker AUTH naming another method gets DISCONNECT 0x82 (Protocol Error)', async () => {
    const broker = await fake(scramBroker({ method: 'PLAIN' }).script);
    const client = scramClient(broker.port, 'secret');
    const failed = waitForClientEvent(client, 'connect.error');
    client.connect();
    expect((await failed).error).toMatchObject({ code: 'PROTOCOL_ERROR', reasonCode: 0x82 });
    expect(await farewellOf(broker.connections[0] as FakeConnection)).toMatchObject({ reasonCode: 0x82 });
  });

  it('R313, R314: re-authentication keeps the session: same connection, no disconnect, an in-flight QoS 1 completes', async () => {
    const broker = scramBroker({ holdPuback: true });
    const fb = await fake(broker.script);
    const client = scramClient(fb.port, 'secret');
    const connected = waitForClientEvent(client, 'connected');
    client.connect();
    await connected;
    let disconnects = 0;
    client.onEvent((event) => {
      if (event.type === 'disconnected') disconnects += 1;
    });
    const published = client.publish('t/auth', 'kept', { qos: 1 });
    await fb.nextPacket((p) => p.cmd === 'publish');
    expect(broker.held).toHaveLength(1);
    await client.reauthenticate();
    await published;
    const packets = fb.connections[0]?.packets ?? [];
    expect(packets.filter((p) => p.cmd === 'auth').map((p) => (p as mqtt.IAuthPacket).reasonCode)).toEqual([
      0x18, 0x19, 0x18,
    ]);
    expect(fb.connections).toHaveLength(1);
    expect(disconnects).toBe(0);
    expect(client.isConnected()).toBe(true);
    expect(client.lifecycle.getSnapshot().matches({ online: { connected: { auth: 'idle' } } })).toBe(true);
  });

  it("R315: a re-authentication the broker refuses (DISCONNECT 0x87) stops the client under onRefused 'stop'; reauthenticate() rejects", async () => {
    const broker = await fake(scramBroker({ refuseReauth: true }).script);
    const client = scramClient(broker.port, 'secret');
    const connected = waitForClientEvent(client, 'connected');
    client.connect();
    await connected;
    const stopped = waitForClientEvent(client, 'stopped');
    await expect(client.reauthenticate()).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
    expect((await stopped).error).toMatchObject({ code: 'SERVER_DISCONNECT', reasonCode: 0x87 });
    expect(client.state).toBe('stopped');
    expect(broker.connections).toHaveLength(1);
  });

  it('R313: reauthenticate() without auth, or not connected, rejects with a typed error at once', async () => {
    const plain = makeClient({ servers: [server(1, { clientId: 'x' })], protocolVersion: 5 });
    await expect(plain.reauthenticate()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const idle = scramClient(1, 'secret');
    await expect(idle.reauthenticate()).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
  });
});
