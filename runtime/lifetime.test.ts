/**
 * Process lifetime in the runtime (spec R50-R53), with a clock that records which pending timers
 * hold the process: both drivers pass `unref`/`ref` on to every pending and later timer and to
 * the transport, and a stopped client leaves no timer behind. The child-process tests in
 * test/integration/processLifetime.test.ts prove the same on a real Node process.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { fakeNetwork } from '../test/support/fakeTransport.js';
import { driverOption } from '../test/support/lifecycleHarness.js';
import { LifecycleClient } from './lifecycleClient.js';
import type { RuntimeClock, TransportFactory } from './ports.js';

/** A simulated clock whose timers can be unref'd, with the pending ones on record. */
function holdingClock() {
  const simulated = new SimulatedClock();
  const pending = new Set<unknown>();
  const unrefd = new Set<unknown>();
  const clock: RuntimeClock = {
    now: () => simulated.now(),
    setTimeout: (fn, ms) => {
      const handle = simulated.setTimeout(() => {
        pending.delete(handle);
        fn();
      }, ms);
      pending.add(handle);
      return handle;
    },
    clearTimeout: (handle) => {
      pending.delete(handle);
      simulated.clearTimeout(handle as never);
    },
    ref: (handle) => {
      unrefd.delete(handle);
    },
    unref: (handle) => {
      unrefd.add(handle);
    },
  };
  return {
    simulated,
    clock,
    pending: () => pending.size,
    /** Pending timers that keep the process alive. */
    holding: () => [...pending].filter((handle) => !unrefd.has(handle)).length,
  };
}

/** The fake network, with each transport's ref/unref calls recorded. */
function holdingNetwork() {
  const net = fakeNetwork();
  const calls: string[][] = [];
  const factory: TransportFactory = (target, handlers) => {
    const own: string[] = [];
    calls.push(own);
    return {
      ...net.factory(target, handlers),
      ref: () => own.push('ref'),
      unref: () => own.push('unref'),
    };
  };
  return { net, factory, calls };
}

describe.each(['step', 'actor', 'chart'] as const)('ref/unref with the %s driver (R50-R53)', (driver) => {
  it('timers hold by default, also in backoff; unref lets every pending and later timer and transport go; ref takes them back; a stopped client holds nothing', async () => {
    const time = holdingClock();
    const { net, factory, calls } = holdingNetwork();
    const client = new LifecycleClient({
      servers: [{ host: 'p', transport: factory, minDelayMs: 100, maxDelayMs: 100 }],
      clock: time.clock,
      jitter: 0,
      driver: driverOption(driver),
    });
    client.connect();
    net.connections[0]?.handlers.onError({ code: 'TRANSPORT_ERROR', message: 'refused' });
    net.connections[0]?.handlers.onClose();
    expect(client.state).toBe('backoff');
    // R50: the retry timer holds the process.
    expect(time.pending()).toBeGreaterThan(0);
    expect(time.holding()).toBe(time.pending());

    expect(client.unref()).toBe(client);
    expect(time.holding()).toBe(0);
    time.simulated.increment(100);
    // The retry opened a transport, unref'd at once; its timers (connect timeout) hold nothing.
    expect(net.connections).toHaveLength(2);
    expect(calls[1]).toEqual(['unref']);
    expect(time.pending()).toBeGreaterThan(0);
    expect(time.holding()).toBe(0);

    client.ref();
    expect(calls[1]).toEqual(['unref', 'ref']);
    expect(time.holding()).toBe(time.pending());

    // R51: after disconnect() nothing is left.
    await client.disconnect();
    expect(client.state).toBe('stopped');
    expect(time.pending()).toBe(0);
  });
});
