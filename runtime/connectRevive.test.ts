/**
 * `connect()` rejects with the typed error of the failure that stopped the client (R80, R82), read
 * by the MQTT 5 profile when the client has one and by `errorFromData311` when it speaks 3.1.1 only
 * (spec R355), so that the default browser client carries none of the MQTT 5 error classes.
 */

import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { MqttClient as BrowserClient } from '../browser.js';
import {
  CapabilityError,
  type ErrorData,
  errorFromData,
  errorFromData311,
  MqttError,
  ProtocolError,
  ProtocolViolationError,
  PublishRefusedError,
  ServerDisconnectError,
  TransportError,
} from '../errors.js';
import { fakeNetwork } from '../test/support/fakeTransport.js';
import { v5Client } from '../test/support/fakeV5.js';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('errorFromData311 (R355)', () => {
  it('R355: reads every code as errorFromData does, but the MQTT 5-only ones as plain classes with their code and message', () => {
    const v5: [ErrorData, new (...args: never[]) => MqttError][] = [
      [new ProtocolViolationError(0x82, 'bad AUTH').toData(), ProtocolViolationError],
      [new ServerDisconnectError(0x8b, 'shutting down').toData(), ServerDisconnectError],
      [new PublishRefusedError(0x87, 'refused').toData(), PublishRefusedError],
      [new CapabilityError(0x9b, 'no QoS 2').toData(), CapabilityError],
    ];
    for (const [data, full] of v5) {
      expect(errorFromData(data)).toBeInstanceOf(full);
      const plain = errorFromData311(data);
      expect(plain).not.toBeInstanceOf(full);
      expect(plain).toBeInstanceOf(data.code === 'PROTOCOL_ERROR' ? ProtocolError : MqttError);
      expect([plain.code, plain.message]).toEqual([data.code, data.message]);
    }
    const transport = new TransportError('ws h: refused', { reason: 'WS_HANDSHAKE' }).toData();
    expect(errorFromData311(transport)).toBeInstanceOf(TransportError);
    expect(errorFromData311(transport).toData()).toEqual(errorFromData(transport).toData());
  });

  it('R355, R80: with the MQTT 5 profile, connect() rejects with the MQTT 5 class of the failure that stopped it', async () => {
    const { client, net } = v5Client();
    const connecting = client.connect({ attempts: 1 });
    const wire = net.connections[0];
    wire?.handlers.onOpen();
    // CONNACK with a reserved acknowledge flag: a Malformed Packet the client answers with 0x81.
    wire?.receive(Uint8Array.of(0x20, 0x03, 0x02, 0x00, 0x00));
    const error = await connecting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolViolationError);
    expect((error as ProtocolViolationError).reasonCode).toBeGreaterThanOrEqual(0x80);
  });

  it('R355, R80: the browser client without the profile rejects connect() with the typed 3.1.1 error', async () => {
    const net = fakeNetwork();
    const client = new BrowserClient({
      servers: [{ url: 'ws://h/mqtt', transport: net.factory }],
      clock: new SimulatedClock(),
    });
    const connecting = client.connect({ attempts: 1 });
    net.connections[0]?.handlers.onOpen();
    // CONNACK with a reserved return code (6).
    net.connections[0]?.receive(Uint8Array.of(0x20, 0x02, 0x00, 0x06));
    await flush();
    const error = await connecting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).message).toMatch(/return code 6 is reserved/);
  });
});
