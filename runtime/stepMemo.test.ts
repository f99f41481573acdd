/**
 * The step memo (issue 8 part 4): clients with equal options share the statechart's initial
 * snapshot and each memoised step, and a memoised step is the step XState computes (R44 in
 * properties/replay.prop.test.ts compares the memoised step driver with the actor driver).
 */
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { fakeNetwork } from '../test/support/fakeTransport.js';
import { driverOption } from '../test/support/lifecycleHarness.js';
import { LifecycleClient } from './lifecycleClient.js';

const connack = { cmd: 'connack', returnCode: 0, sessionPresent: false } as const;

function fleet(count: number, driver: 'step' | 'actor') {
  const net = fakeNetwork();
  const clock = new SimulatedClock();
  const clients = Array.from(
    { length: count },
    () =>
      new LifecycleClient({
        servers: [{ host: 'p', transport: net.factory }],
        clock,
        driver: driverOption(driver),
      }),
  );
  for (const [i, client] of clients.entries()) {
    client.connect();
    net.connections[i]?.handlers.onOpen();
    net.connections[i]?.reply(connack);
  }
  return { clients, net };
}

describe('step memo', () => {
  it('clients with equal options share their initial and connected snapshots', () => {
    const { clients } = fleet(3, 'step');
    const [a, b, c] = clients as [LifecycleClient, LifecycleClient, LifecycleClient];
    expect(a.isConnected() && b.isConnected() && c.isConnected()).toBe(true);
    expect(b.getSnapshot()).toBe(a.getSnapshot());
    expect(c.getSnapshot()).toBe(a.getSnapshot());
  });

  it('a memoised step is the step XState computes: the same states as the actor driver', () => {
    const step = fleet(2, 'step').clients[1] as LifecycleClient;
    const actor = fleet(1, 'actor').clients[0] as LifecycleClient;
    const view = (client: LifecycleClient) => ({
      value: client.getSnapshot().value,
      context: client.getSnapshot().context,
    });
    expect(view(step)).toEqual(view(actor));
  });

  it('a client whose context differs (a failed attempt) does not take another client’s step', () => {
    const net = fakeNetwork();
    const clock = new SimulatedClock();
    const make = () =>
      new LifecycleClient({ servers: [{ host: 'p', transport: net.factory }], clock, jitter: 0 });
    const ok = make();
    const failing = make();
    ok.connect();
    failing.connect();
    net.connections[1]?.handlers.onError({ code: 'TRANSPORT_ERROR', message: 'refused' });
    net.connections[1]?.handlers.onClose();
    net.connections[0]?.handlers.onOpen();
    net.connections[0]?.reply(connack);
    expect(ok.state).toBe('connected');
    expect(failing.state).toBe('backoff');
    expect(failing.getSnapshot().context.lastError).toMatchObject({ code: 'TRANSPORT_ERROR' });
    expect(ok.getSnapshot().context.lastError).toBeNull();
  });
});
