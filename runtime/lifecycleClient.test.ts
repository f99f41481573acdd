import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { InvalidArgumentError } from '../errors.js';
import { fakeNetwork } from '../test/support/fakeTransport.js';
import { driverOption } from '../test/support/lifecycleHarness.js';
import { LifecycleClient, type LifecycleClientConfig } from './lifecycleClient.js';

function setup(config: Partial<LifecycleClientConfig> = {}) {
  const net = fakeNetwork();
  const clock = new SimulatedClock();
  const client = new LifecycleClient({
    servers: [{ host: 'p.example', transport: net.factory, username: 'alice', password: 's3cret-pw' }],
    clock,
    journal: true,
    jitter: 0,
    ...config,
  });
  const events: string[] = [];
  client.onLifecycle((e) => events.push(e.type));
  return { client, net, clock, events };
}

const connack = { cmd: 'connack', returnCode: 0, sessionPresent: false } as const;

describe('LifecycleClient (fake transport, simulated clock)', () => {
  it('writes CONNECT with the configured credentials and connects on CONNACK (R9)', () => {
    const { client, net } = setup();
    client.connect();
    const conn = net.connections[0];
    conn?.handlers.onOpen();
    expect(conn?.written[0]).toMatchObject({ cmd: 'connect', username: 'alice', clean: true, keepalive: 60 });
    conn?.reply(connack);
    expect(client.isConnected()).toBe(true);
  });

  it('keeps passwords out of the journal and the context (R41)', () => {
    const { client, net } = setup();
    client.connect();
    net.connections[0]?.handlers.onOpen();
    net.connections[0]?.reply(connack);
    const text = JSON.stringify(client.journal()) + JSON.stringify(client.getSnapshot().context);
    expect(text).not.toContain('s3cret-pw');
    expect(text).not.toContain('p.example');
    expect(client.journal().entries.length).toBeGreaterThan(0);
  });

  it('a late close from an old transport cannot fail the new attempt (R28)', () => {
    const net = fakeNetwork();
    const clock = new SimulatedClock();
    const client = new LifecycleClient({
      servers: [{ host: 'p', transport: net.factory, minDelayMs: 10, maxDelayMs: 10 }],
      clock,
      jitter: 0,
    });
    client.connect();
    const first = net.connections[0];
    first?.handlers.onError({ code: 'TRANSPORT_ERROR', message: 'refused' });
    clock.increment(10);
    expect(net.connections).toHaveLength(2);
    first?.handlers.onClose();
    first?.handlers.onOpen();
    expect(client.getSnapshot().value).toEqual({ online: { connecting: 'opening' } });
  });

  it('generates one client id per server and keeps it across reconnects', () => {
    const n = fakeNetwork();
    const c = new LifecycleClient({
      servers: [{ host: 'p', transport: n.factory, minDelayMs: 10, maxDelayMs: 10 }],
      clock: new SimulatedClock(),
      random: () => 0.5,
    });
    c.connect();
    n.connections[0]?.handlers.onOpen();
    n.connections[0]?.handlers.onClose();
    c.send({ type: 'client.connect' });
    n.connections[1]?.handlers.onOpen();
    const ids = n.connections.map((conn) => (conn.written[0] as { clientId?: string } | undefined)?.clientId);
    expect(ids[0]).toMatch(/^mqttlifeline_[0-9a-f]{8}$/);
    expect(ids[1]).toBe(ids[0]);
  });

  it('sends each server its own keep alive, else the client-wide one', () => {
    const n = fakeNetwork();
    const c = new LifecycleClient({
      servers: [
        { host: 'p', transport: n.factory, minDelayMs: 10, maxDelayMs: 10 },
        { host: 'b', transport: n.factory, keepAliveSec: 7, minDelayMs: 10, maxDelayMs: 10 },
      ],
      keepAliveSec: 30,
      clock: new SimulatedClock(),
    });
    c.connect();
    n.connections[0]?.handlers.onOpen();
    n.connections[0]?.handlers.onClose();
    c.send({ type: 'client.connect' });
    n.connections[1]?.handlers.onOpen();
    n.connections[1]?.handlers.onClose();
    c.send({ type: 'client.connect' });
    n.connections[2]?.handlers.onOpen();
    const keepalives = n.connections.map(
      (conn) => (conn.written[0] as { keepalive?: number } | undefined)?.keepalive,
    );
    expect(n.connections.map((conn) => conn.target.host)).toEqual(['p', 'p', 'b']);
    expect(keepalives).toEqual([30, 30, 7]);
  });

  it('refuses a password without a user name at construction ([MQTT-3.1.2-22])', () => {
    const transport = fakeNetwork().factory;
    expect(() => new LifecycleClient({ servers: [{ host: 'p', password: 'x', transport }] })).toThrow(
      InvalidArgumentError,
    );
  });

  it('runs the connect hook before every CONNECT, sync or async', async () => {
    const n = fakeNetwork();
    let calls = 0;
    const c = new LifecycleClient({
      servers: [{ host: 'p', transport: n.factory, username: 'u' }],
      clock: new SimulatedClock(),
      connectHook: async ({ options }) => ({ ...options, password: `token-${++calls}` }),
    });
    c.connect();
    n.connections[0]?.handlers.onOpen();
    await Promise.resolve();
    await Promise.resolve();
    expect(n.connections[0]?.written[0]).toMatchObject({ cmd: 'connect', username: 'u' });
    const connect = n.connections[0]?.written[0] as { password?: Buffer } | undefined;
    expect(String(connect?.password)).toBe('token-1');
  });

  it('a second CONNACK is a protocol error that closes the connection', () => {
    const { client, net } = setup();
    const errors: string[] = [];
    client.onProtocolError((e) => errors.push(e.message));
    client.connect();
    net.connections[0]?.handlers.onOpen();
    net.connections[0]?.reply(connack);
    net.connections[0]?.reply(connack);
    expect(errors).toEqual(['unexpected CONNACK']);
    expect(client.state).toBe('backoff');
    expect(net.connections[0]?.ended).toBe(true);
  });

  it('a PUBLISH before CONNACK is a protocol error ([MQTT-3.2.0-1])', () => {
    const { client, net } = setup();
    client.connect();
    net.connections[0]?.handlers.onOpen();
    net.connections[0]?.reply({
      cmd: 'publish',
      topic: 'a',
      payload: 'x',
      qos: 0,
      retain: false,
      dup: false,
    });
    expect(client.state).toBe('backoff');
    expect(client.getSnapshot().context.lastError?.code).toBe('PROTOCOL_ERROR');
  });

  it('garbage from the broker closes the connection with a typed error, never a throw', () => {
    const { client, net } = setup();
    client.connect();
    net.connections[0]?.handlers.onOpen();
    expect(() => net.connections[0]?.receive(new Uint8Array([0x36, 0x02, 0, 0]))).not.toThrow();
    expect(client.getSnapshot().context.lastError?.code).toBe('PROTOCOL_ERROR');
  });

  it('disconnect writes DISCONNECT and resolves once the transport closed (R24)', async () => {
    const { client, net } = setup();
    client.connect();
    net.connections[0]?.handlers.onOpen();
    net.connections[0]?.reply(connack);
    await client.disconnect();
    expect(net.connections[0]?.written.at(-1)).toMatchObject({ cmd: 'disconnect' });
    expect(net.connections[0]?.ended).toBe(true);
    expect(client.state).toBe('stopped');
  });

  it('the actor driver and the step driver behave the same through the runtime (R44)', () => {
    const run = (driver: 'actor' | 'step') => {
      const n = fakeNetwork();
      const clock = new SimulatedClock();
      const c = new LifecycleClient({
        servers: [{ host: 'p', transport: n.factory }],
        clock,
        driver: driverOption(driver),
        journal: true,
        random: () => 0.25,
      });
      c.connect();
      n.connections[0]?.handlers.onOpen();
      n.connections[0]?.reply(connack);
      n.connections[0]?.handlers.onClose();
      clock.increment(5000);
      return { journal: c.journal().entries.map((e) => e.event), value: c.getSnapshot().value };
    };
    expect(run('actor')).toEqual(run('step'));
  });
});
