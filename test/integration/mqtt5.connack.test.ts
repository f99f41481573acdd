/**
 * MQTT 5 CONNACK reason codes against a scripted broker (spec R242): a final refusal stops the
 * client with a `ConnackError` naming the reason code; the broker's "later" is retried on the
 * schedule; `onRefused: 'retry'` retries everything.
 */
import type * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { ConnackError } from '../../errors.js';
import type { MqttClientOptions } from '../../runtime/client.js';
import { waitForClientEvent } from '../support/clientEvents.js';
import { server, useResources } from '../support/integration.js';

const { fakeBroker: fake, makeClient } = useResources();

/** A broker that refuses the first `refusals` CONNECTs with `reasonCode`, then accepts. */
const refusing = (reasonCode: number, refusals: number) =>
  fake((c, p) => {
    if (p.cmd !== 'connect') return;
    const code = c.index < refusals ? reasonCode : 0;
    c.send({ cmd: 'connack', reasonCode: code, sessionPresent: false } as mqtt.IConnackPacket);
  });

const client = (port: number, options: Partial<MqttClientOptions> = {}) =>
  makeClient({ servers: [server(port)], protocolVersion: 5, ...options });

describe('MQTT 5 CONNACK reason codes (R242)', () => {
  it.each([
    ['0x86', 0x86, 'Bad User Name or Password'],
    ['0x87', 0x87, 'Not authorized'],
    ['0x8A', 0x8a, 'Banned'],
    ['0x8C', 0x8c, 'Bad authentication method'],
  ])(
    "R242: %s stops the client (onRefused 'stop', the default): connect() rejects with a ConnackError naming it",
    async (_hex, code, name) => {
      const broker = await refusing(code, 1);
      const c = client(broker.port);
      const stopped = waitForClientEvent(c, 'stopped');
      const error = await c.connect({ timeoutMs: 4000 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConnackError);
      expect(error).toMatchObject({
        code: 'CONNACK_REFUSED',
        returnCode: code,
        message: `connection refused: ${name} (reason code 0x${code.toString(16).toUpperCase()})`,
      });
      expect((await stopped).error).toMatchObject({ returnCode: code });
      expect(broker.connections).toHaveLength(1);
    },
  );

  it.each([
    ['0x88', 0x88],
    ['0x89', 0x89],
    ['0x97', 0x97],
    ['0x9F', 0x9f],
  ])(
    'R242: %s (the server is unavailable, busy, over quota, rate limited) is retried on the schedule',
    async (_hex, code) => {
      const broker = await refusing(code, 2);
      const c = client(broker.port);
      const refused = waitForClientEvent(c, 'connect.error', (e) => e.error.returnCode === code, {
        count: 2,
      });
      const connected = waitForClientEvent(c, 'connected');
      c.connect();
      await refused;
      await connected;
      expect(broker.connections).toHaveLength(3);
    },
  );

  it("R242: under onRefused 'retry' a final refusal (0x87) is retried too", async () => {
    const broker = await refusing(0x87, 1);
    const c = client(broker.port, { onRefused: 'retry' });
    const connected = waitForClientEvent(c, 'connected');
    c.connect();
    await connected;
    expect(broker.connections).toHaveLength(2);
  });
});
