/**
 * Spec R62 on the wire: a broker whose CONNACK contradicts the CONNECT it answers (session present
 * 1 for a CleanSession=1 CONNECT, [MQTT-3.2.2-1]) is refused: the client closes the connection with
 * a typed protocol error, never reports `connected`, and retries.
 */
import { describe, expect, it } from 'vitest';
import { recordClient, waitForClientEvent } from '../support/clientEvents.js';
import { connack } from '../support/fakeBroker.js';
import { server, useResources } from '../support/integration.js';

const { fakeBroker, makeClient } = useResources();

describe('CONNACK that contradicts the CONNECT (R62)', () => {
  it('session present 1 answering CleanSession=1 is a protocol.error PROTOCOL_ERROR that closes the connection; the next attempt connects', async () => {
    // The first connection gets the forbidden CONNACK; the retry a correct one.
    const broker = await fakeBroker((connection, packet) => {
      if (packet.cmd === 'connect') connection.send(connack(connection.index === 0));
    });
    const client = makeClient({ servers: [server(broker.port)] });
    const events = recordClient(client);
    const refused = waitForClientEvent(client, 'protocol.error');
    const connected = waitForClientEvent(client, 'connected');
    client.connect();

    expect((await refused).message).toMatch(/\[MQTT-3\.2\.2-1\]/);
    const first = broker.connections[0];
    expect(first?.packets[0]).toMatchObject({ cmd: 'connect', clean: true });
    await first?.closed;
    expect((await connected).sessionPresent).toBe(false);

    const watched = new Set(['connecting', 'connected', 'protocol.error', 'connect.error', 'backoff']);
    const types = events.map((e) => e.type).filter((t) => watched.has(t));
    expect(types.slice(0, types.indexOf('connected'))).toEqual([
      'connecting',
      'protocol.error',
      'connect.error',
      'backoff',
      'connecting',
    ]);
    expect(events.find((e) => e.type === 'connect.error')).toMatchObject({
      error: { code: 'PROTOCOL_ERROR' },
    });
    expect(broker.connections).toHaveLength(2);
  });
});
