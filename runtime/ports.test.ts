/**
 * The runtime owns its ports and the entry point wires the defaults (spec R47): the runtime's
 * classes take a transport and a clock from their options, and the Node entry supplies its transports and
 * the system clock when the options name none.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { systemClock } from '../adapters/clocks/system.js';
import { MqttClient as NodeMqttClient, nodeDefaults } from '../adapters/node.js';
import { nodeTransport } from '../adapters/transports/node.js';
import { ConfigError } from '../errors.js';
import { attachStore } from '../protocol/sessionLog.js';
import { fakeNetwork } from '../test/support/fakeTransport.js';
import { MqttClient } from './client.js';
import { createActorDriver } from './drivers.js';
import { stepInspection } from './inspection.js';
import { LifecycleClient } from './lifecycleClient.js';
import { withDefaults } from './options.js';
import { V5_PROFILE } from './profileV5.js';
import { createStepDriver } from './stepDriver.js';
import { createTracer } from './trace.js';

describe('ports and defaults (R47)', () => {
  it('refuses, naming the port, a runtime client given no transport or no clock', () => {
    const clock = new SimulatedClock();
    expect(() => new LifecycleClient({ servers: [{ host: 'p' }], clock })).toThrow(
      expect.objectContaining({ key: 'servers[0].transport', code: 'INVALID_CONFIG' }),
    );
    const transport = fakeNetwork().factory;
    expect(() => new MqttClient({ servers: [{ host: 'p', transport }] })).toThrow(ConfigError);
    expect(() => new MqttClient({ servers: [{ host: 'p', transport }] })).toThrow(
      expect.objectContaining({ key: 'clock' }),
    );
  });

  it("reaches servers without a transport of their own through the client's `transport`; a server's own wins", () => {
    const shared = fakeNetwork();
    const own = fakeNetwork();
    const clock = new SimulatedClock();
    const client = new LifecycleClient({
      servers: [
        { host: 'p', minDelayMs: 10, maxDelayMs: 10 },
        { host: 'b', transport: own.factory, minDelayMs: 10, maxDelayMs: 10 },
      ],
      transport: shared.factory,
      clock,
      jitter: 0,
    });
    client.connect();
    // Each attempt fails at once; the schedule moves to the backup within a few retries.
    for (let i = 0; i < 10 && own.connections.length === 0; i++) {
      const last = shared.connections.at(-1);
      last?.handlers.onError({ code: 'TRANSPORT_ERROR', message: 'refused' });
      last?.handlers.onClose();
      clock.increment(10);
    }
    expect(new Set(shared.connections.map((c) => c.target.host))).toEqual(new Set(['p']));
    expect(own.connections.map((c) => c.target.host)).toEqual(['b']);
  });

  it('the Node entry wires its transport by scheme (TCP, TLS, WebSocket) and the system clock, and keeps what the options name', () => {
    // The trace's logger is on only with NODE_DEBUG=mqtt-lifeline (spec R90).
    // The actor driver and store recovery are the entry's too, off the browser's default path (R230-R231), and so is the MQTT 5 profile (spec R235).
    expect(nodeDefaults).toEqual({
      transport: nodeTransport,
      clock: systemClock,
      tracer: createTracer,
      actorDriver: createActorDriver,
      stepDriver: createStepDriver,
      storeRecovery: attachStore,
      mqtt5: V5_PROFILE,
      // The step driver's inspection too, off the browser's default path (R367).
      inspection: stepInspection,
    });
    const clock = new SimulatedClock();
    const transport = fakeNetwork().factory;
    const named = { servers: [{ host: 'p' }], clock, transport, mqtt5: V5_PROFILE, driver: createStepDriver };
    expect(withDefaults(named, nodeDefaults)).toBe(named);
    expect(withDefaults({ servers: [{ host: 'p' }] }, nodeDefaults)).toMatchObject({
      transport: nodeTransport,
      clock: systemClock,
    });
    const client = new NodeMqttClient({ servers: [{ host: 'p' }] });
    expect(client.lifecycle.clock).toBe(systemClock);
    expect(client.lifecycle.servers[0]?.transport).toBe(nodeTransport);
  });
});
