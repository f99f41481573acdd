/**
 * The statechart's MQTT 5 decisions (spec R260-R271) live on the wire, against scripted brokers:
 * the runtime turns CONNACK and a server DISCONNECT into `mqtt5.connack` / `mqtt5.disconnect`, and
 * keeps a Server Reference's addresses to itself behind labels (R246).
 */
import type * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import type { MqttClientOptions } from '../../runtime/client.js';
import { recordClient, waitForClientEvent } from '../support/clientEvents.js';
import type { FakeConnection } from '../support/fakeBroker.js';
import { server, useResources } from '../support/integration.js';

const { fakeBroker: fake, makeClient } = useResources();

const connackOf = (
  reasonCode: number,
  properties: mqtt.IConnackPacket['properties'] = {},
): mqtt.IConnackPacket =>
  ({ cmd: 'connack', reasonCode, sessionPresent: false, properties }) as mqtt.IConnackPacket;

/** A broker that accepts every CONNECT and answers PINGREQ. */
const accepting = () =>
  fake((c, p) => {
    if (p.cmd === 'connect') c.send(connackOf(0));
    if (p.cmd === 'pingreq') c.send({ cmd: 'pingresp' });
  });

/** A broker that accepts, then on its first connection sends DISCONNECT `reasonCode` and closes. */
const disconnecting = (reasonCode: number) =>
  fake((c, p) => {
    if (p.cmd !== 'connect') return;
    c.send(connackOf(0));
    if (c.index === 0) {
      c.send({ cmd: 'disconnect', reasonCode });
      c.destroy();
    }
  });

const v5 = (options: MqttClientOptions): MqttClientOptions => ({ protocolVersion: 5, ...options });

describe('MQTT 5 decisions on the wire (R246, R260-R271)', () => {
  it('R262, R247: DISCONNECT 0x8E (session taken over) stops the client: no reconnect, and no protocol error', async () => {
    const broker = await disconnecting(0x8e);
    const client = makeClient(v5({ servers: [server(broker.port)] }));
    const events = recordClient(client);
    const stopped = waitForClientEvent(client, 'stopped');
    client.connect();
    expect((await stopped).error).toMatchObject({ code: 'SERVER_DISCONNECT', reasonCode: 0x8e });
    expect(client.state).toBe('stopped');
    expect(broker.connections).toHaveLength(1);
    expect(events.map((e) => e.type)).not.toContain('protocol.error');
  });

  it('R264: DISCONNECT 0x8B (server shutting down) opens the next server at once, without a backoff', async () => {
    const first = await disconnecting(0x8b);
    const second = await accepting();
    // Delays far longer than the test's wait: a backoff would show as a timeout.
    const slow = { minDelayMs: 30_000, maxDelayMs: 60_000 };
    const client = makeClient(v5({ servers: [server(first.port, slow), server(second.port, slow)] }));
    const events = recordClient(client);
    const moved = waitForClientEvent(client, 'connected', (e) => e.serverIndex === 1);
    client.connect();
    await moved;
    const types = events.map((e) => e.type);
    expect(types).not.toContain('backoff');
    expect(types.filter((t) => t === 'connecting')).toHaveLength(2);
    expect(second.connections).toHaveLength(1);
  });

  it.each(['step', 'actor'] as const)(
    'R246, R267: CONNACK 0x9D with a Server Reference sends the next attempt to the referenced server, and the moved server is never tried again (%s driver)',
    async (driver) => {
      const target = await accepting();
      const moved = await fake((c, p) => {
        if (p.cmd === 'connect') c.send(connackOf(0x9d, { serverReference: `127.0.0.1:${target.port}` }));
      });
      const lines: string[] = [];
      const client = makeClient(
        v5({ servers: [server(moved.port)], driver, logger: (line) => lines.push(line) }),
      );
      const events = recordClient(client);
      const connected = waitForClientEvent(client, 'connected');
      client.connect();
      // R41: the statechart names the referenced server by a label, never by its address.
      expect(await connected).toMatchObject({ server: 'ref-1', serverIndex: 1 });
      expect(target.connections).toHaveLength(1);
      // The link drops: the retry goes to the referenced server again, not back to the moved one.
      const again = waitForClientEvent(client, 'connected', () => true);
      (target.connections[0] as FakeConnection).destroy();
      expect(await again).toMatchObject({ server: 'ref-1' });
      expect(target.connections).toHaveLength(2);
      expect(moved.connections).toHaveLength(1);
      // R41: the servers the lifecycle events name are labels (a transport error's text names the
      // socket it failed on, as for any configured server).
      const names = new Set(events.flatMap((e) => ('server' in e ? [e.server] : [])));
      expect([...names]).toEqual(['mqtt', 'ref-1']);
      // R91: the trace, which is for people, says where ref-1 is.
      expect(lines).toContainEqual(
        expect.stringContaining(`connecting to ref-1 (mqtt://127.0.0.1:${target.port})`),
      );
    },
  );

  it('R269: Server Keep Alive in CONNACK sets the PINGREQ interval', async () => {
    const broker = await fake((c, p) => {
      if (p.cmd === 'connect') c.send(connackOf(0, { serverKeepAlive: 1 }));
      if (p.cmd === 'pingreq') c.send({ cmd: 'pingresp' });
    });
    // The client asks for 60 s; the broker says 1 s: a PINGREQ within 3 s can only be the broker's.
    const client = makeClient(v5({ servers: [server(broker.port, { keepAliveSec: 60 })] }));
    const connected = waitForClientEvent(client, 'connected');
    client.connect();
    await connected;
    const since = Date.now();
    await broker.nextPacket((p) => p.cmd === 'pingreq', 3000);
    expect(Date.now() - since).toBeGreaterThanOrEqual(900);
    expect(broker.connections[0]?.packets[0]).toMatchObject({ cmd: 'connect', keepalive: 60 });
  });

  it('R270, R248: a session CONNECT (Clean Start 0) after an Assigned Client Identifier sends that identifier', async () => {
    const broker = await fake((c, p) => {
      if (p.cmd !== 'connect') return;
      c.send(connackOf(0, c.index === 0 ? { assignedClientIdentifier: 'given-by-broker' } : {}));
      if (c.index === 0) c.destroy();
    });
    const client = makeClient(v5({ servers: [server(broker.port, { clientId: '', clean: false })] }));
    const again = waitForClientEvent(client, 'connected', () => true, { count: 2 });
    client.connect();
    await again;
    expect(broker.connections[1]?.packets[0]).toMatchObject({ cmd: 'connect', clientId: 'given-by-broker' });
  });
});
