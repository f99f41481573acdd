/**
 * Spec R62: a CONNACK is checked against the CONNECT actually written on its connection (after the
 * connect hook), and one that contradicts it closes the connection with a typed protocol error.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { ProtocolError } from '../errors.js';
import { fakeNetwork } from '../test/support/fakeTransport.js';
import { LifecycleClient } from './lifecycleClient.js';
import type { ConnectHook } from './options.js';

function setup(clean: boolean | undefined, connectHook?: ConnectHook) {
  const net = fakeNetwork();
  const client = new LifecycleClient({
    servers: [{ host: 'p', transport: net.factory, ...(clean === undefined ? {} : { clean }) }],
    clock: new SimulatedClock(),
    jitter: 0,
    ...(connectHook === undefined ? {} : { connectHook }),
  });
  const errors: string[] = [];
  const events: string[] = [];
  client.onProtocolError((e) => errors.push(e.message));
  client.onLifecycle((e) => events.push(e.type));
  client.connect();
  net.connections[0]?.handlers.onOpen();
  return { client, net, errors, events, conn: net.connections[0] };
}

const accepted = (sessionPresent: boolean) => ({ cmd: 'connack', returnCode: 0, sessionPresent }) as const;

describe('CONNACK against the CONNECT it answers (R62)', () => {
  it('refuses session present 1 answering a CleanSession=1 CONNECT [MQTT-3.2.2-1], never reporting connected', () => {
    const { client, errors, events, conn } = setup(undefined);
    expect(conn?.written[0]).toMatchObject({ cmd: 'connect', clean: true });
    conn?.reply(accepted(true));
    expect(errors).toEqual([expect.stringContaining('[MQTT-3.2.2-1]')]);
    expect(client.getSnapshot().context.lastError?.code).toBe('PROTOCOL_ERROR');
    expect(client.state).toBe('backoff');
    expect(conn?.ended).toBe(true);
    expect(events).not.toContain('connected');
  });

  it('accepts session present 1 answering a CleanSession=0 CONNECT, and 0 answering either', () => {
    for (const [clean, sessionPresent] of [
      [false, true],
      [false, false],
      [true, false],
    ] as const) {
      const { client, errors, conn } = setup(clean);
      conn?.reply(accepted(sessionPresent));
      expect(errors).toEqual([]);
      expect(client.isConnected()).toBe(true);
    }
  });

  it('checks the CONNECT the connect hook produced, not the configured one', async () => {
    const toPersistent: ConnectHook = ({ options }) => ({ ...options, clientId: 'dev', clean: false });
    const a = setup(true, toPersistent);
    expect(a.conn?.written[0]).toMatchObject({ cmd: 'connect', clean: false });
    a.conn?.reply(accepted(true));
    expect(a.errors).toEqual([]);
    expect(a.client.isConnected()).toBe(true);

    const toClean: ConnectHook = async ({ options }) => ({ ...options, clean: true });
    const b = setup(false, toClean);
    await Promise.resolve();
    expect(b.conn?.written[0]).toMatchObject({ cmd: 'connect', clean: true });
    b.conn?.reply(accepted(true));
    expect(b.errors).toEqual([expect.stringContaining('[MQTT-3.2.2-1]')]);
  });

  it('refuses a CONNACK that arrives before the CONNECT was written (async hook still running)', () => {
    const { client, errors, conn } = setup(true, () => new Promise(() => {}));
    expect(conn?.written).toEqual([]);
    conn?.reply(accepted(false));
    expect(errors).toEqual([expect.stringContaining('before any CONNECT')]);
    expect(client.isConnected()).toBe(false);
  });

  it.each([
    ['reserved acknowledge flag bits', [0x20, 2, 0x02, 0], /bits 7-1 are reserved/],
    ['a reserved return code (> 5)', [0x20, 2, 0, 6], /return code 6 is reserved/],
    ['session present with a refusal [MQTT-3.2.2-4]', [0x20, 2, 1, 5], /\[MQTT-3\.2\.2-4\]/],
  ])('closes on %s with a ProtocolError, not a refusal', (_name, bytes, message) => {
    const { client, errors, conn } = setup(false);
    conn?.receive(Uint8Array.from(bytes as number[]));
    expect(errors).toEqual([expect.stringMatching(message as RegExp)]);
    expect(client.getSnapshot().context.lastError?.code).toBe(new ProtocolError('x').code);
    expect(conn?.ended).toBe(true);
  });
});
