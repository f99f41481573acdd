/**
 * `connect()`'s promise (spec R80) and the typed errors it rejects with (R82), on both drivers,
 * with a fake transport and a simulated clock.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import {
  ClientClosedError,
  ConnackError,
  ConnectHookError,
  InvalidArgumentError,
  TimeoutError,
  TransportError,
} from '../errors.js';
import { fakeNetwork } from '../test/support/fakeTransport.js';
import { driverOption } from '../test/support/lifecycleHarness.js';
import { outcome } from '../test/support/promises.js';
import { LifecycleClient, type LifecycleClientConfig } from './lifecycleClient.js';

const connack = (returnCode: number) => ({ cmd: 'connack', returnCode, sessionPresent: false }) as const;

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe.each(['actor', 'step', 'chart'] as const)('connect() promise (%s driver)', (driver) => {
  function setup(config: Partial<LifecycleClientConfig> = {}) {
    const net = fakeNetwork();
    const clock = new SimulatedClock();
    const client = new LifecycleClient({
      servers: [{ host: 'p', transport: net.factory, minDelayMs: 1000, maxDelayMs: 1000 }],
      clock,
      driver: driverOption(driver),
      jitter: 0,
      ...config,
    });
    const open = (i: number) => net.connections[i]?.handlers.onOpen();
    return { client, net, clock, open };
  }

  it('R80: resolves on the first session up, and at once when already connected', async () => {
    const { client, net, open } = setup();
    const first = outcome(client.connect());
    await flush();
    expect(first.value).toBe('pending');
    open(0);
    net.connections[0]?.reply(connack(0));
    await flush();
    expect(first.value).toBe('resolved');
    await expect(client.connect()).resolves.toBeUndefined();
    expect(net.connections).toHaveLength(1);
  });

  it('R80: calls without options while one is pending share its promise', () => {
    const { client } = setup();
    expect(client.connect()).toBe(client.connect());
  });

  it('R80: retries forever by default: transient failures leave the promise pending', async () => {
    const { client, net, clock } = setup();
    const p = outcome(client.connect());
    for (let i = 0; i < 5; i++) {
      net.connections[i]?.handlers.onError(new TransportError('ECONNREFUSED').toData());
      net.connections[i]?.handlers.onClose();
      clock.increment(1000);
    }
    await flush();
    expect(net.connections).toHaveLength(6);
    expect(p.value).toBe('pending');
    net.connections[5]?.handlers.onOpen();
    net.connections[5]?.reply(connack(0));
    await flush();
    expect(p.value).toBe('resolved');
  });

  it('R80, R81: a refusal under the default onRefused stops the client and rejects with ConnackError', async () => {
    const { client, net, open } = setup();
    const p = client.connect();
    open(0);
    net.connections[0]?.reply(connack(4));
    const error = await p.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnackError);
    expect(error).toMatchObject({ returnCode: 4, code: 'CONNACK_REFUSED' });
    expect((error as Error).message).toBe('connection refused: bad user name or password (return code 4)');
    expect(client.state).toBe('stopped');
  });

  it('R80: an ignored promise of a refused connect is never an unhandled rejection', async () => {
    const { client, net, open } = setup();
    // Fire and forget: vitest fails the run on any unhandled rejection.
    void client.connect();
    open(0);
    net.connections[0]?.reply(connack(5));
    await flush();
    expect(client.state).toBe('stopped');
  });

  it('R80: disconnect() before the session rejects with ClientClosedError', async () => {
    const { client } = setup();
    const p = client.connect();
    await client.disconnect();
    await expect(p).rejects.toBeInstanceOf(ClientClosedError);
  });

  it("R80: attempts: n gives up after n failed attempts with the last one's error, and stops", async () => {
    const { client, net, clock, open } = setup();
    const p = outcome(client.connect({ attempts: 2 }));
    net.connections[0]?.handlers.onError(
      new TransportError('tcp connect 127.0.0.1:1: ECONNREFUSED').toData(),
    );
    net.connections[0]?.handlers.onClose();
    clock.increment(1000);
    open(1);
    clock.increment(30_000); // no CONNACK: the connect timeout ends the second attempt
    await flush();
    expect(p.value).toBeInstanceOf(TimeoutError);
    expect(p.value).toMatchObject({ code: 'CONNECT_TIMEOUT', message: 'no CONNACK within 30000 ms' });
    expect(client.state).toBe('stopped');
    clock.increment(3_600_000);
    expect(net.connections).toHaveLength(2);
  });

  it("R80: timeoutMs gives up with TimeoutError CONNECT_TIMEOUT whose cause is the last attempt's error", async () => {
    const { client, net, clock } = setup();
    const p = outcome(client.connect({ timeoutMs: 2500 }));
    net.connections[0]?.handlers.onError(new TransportError('tcp connect: ECONNREFUSED').toData());
    net.connections[0]?.handlers.onClose();
    clock.increment(2499);
    await flush();
    expect(p.value).toBe('pending');
    clock.increment(1);
    await flush();
    expect(p.value).toBeInstanceOf(TimeoutError);
    const error = p.value as TimeoutError;
    expect(error.code).toBe('CONNECT_TIMEOUT');
    expect(error.message).toBe('no session within 2500 ms of connect()');
    expect(error.cause).toBeInstanceOf(TransportError);
    expect((error.cause as Error).message).toBe('tcp connect: ECONNREFUSED');
    expect(client.state).toBe('stopped');
  });

  it('R82: a throwing connect hook fails the attempt with ConnectHookError (its cause what the hook threw)', async () => {
    const thrown = new Error('token service down');
    const { client, open } = setup({
      connectHook: () => {
        throw thrown;
      },
    });
    const p = client.connect({ attempts: 1 });
    open(0);
    const error = await p.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectHookError);
    expect(error).toMatchObject({
      code: 'CONNECT_HOOK_FAILED',
      message: 'connect hook failed: token service down',
    });
  });

  it('R80: a limit that is not a number > 0 is an InvalidArgumentError, thrown before anything starts', () => {
    const { client, net } = setup();
    expect(() => client.connect({ timeoutMs: -1 })).toThrow(InvalidArgumentError);
    expect(() => client.connect({ attempts: 0 })).toThrow(InvalidArgumentError);
    expect(() => client.connect({ timeoutMs: Number.NaN })).toThrow(
      'connect(): timeoutMs must be a number > 0, got NaN',
    );
    expect(() => client.connect({ attempts: '3' as unknown as number })).toThrow(InvalidArgumentError);
    expect(net.connections).toHaveLength(0);
    expect(client.state).toBe('idle');
  });
});
