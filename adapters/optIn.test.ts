/**
 * What a default browser client leaves out and an app passes in (spec R230-R231): the actor
 * driver and store recovery. The Node entry wires both by default, so Node users see no change;
 * the browser entry takes them as options. Bundle contents: test/browser/bundle.test.ts (R232).
 */

import { describe, expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { SimulatedClock } from 'xstate';
import { ConfigError } from '../errors.js';
import { MqttSession as ProtocolSession, type SessionIO } from '../protocol/session.js';
import { attachStore } from '../protocol/sessionLog.js';
import { MemoryStore } from '../protocol/store.js';
import { MqttClient as RuntimeMqttClient } from '../runtime/client.js';
import { createActorDriver } from '../runtime/drivers.js';
import { stepInspection } from '../runtime/inspection.js';
import { LifecycleClient as RuntimeLifecycleClient } from '../runtime/lifecycleClient.js';
import { fakeNetwork } from '../test/support/fakeTransport.js';
import { LifecycleClient as BrowserLifecycleClient, MqttClient as BrowserMqttClient } from './browser.js';
import { MqttSession, LifecycleClient as NodeLifecycleClient, MqttClient as NodeMqttClient } from './node.js';

/** The ConfigError `construct` throws (fails the test when it throws none). */
function configErrorOf(construct: () => unknown): ConfigError {
  try {
    construct();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

/**
 * Whether the client runs a live actor: an actor reports `@xstate.microstep` to its inspector,
 * the step driver does not (runtime/inspection.test.ts).
 */
function runsAnActor(make: (inspect: (event: InspectionEvent) => void) => { connect(): unknown }): boolean {
  const seen: string[] = [];
  make((event) => seen.push(event.type)).connect();
  expect(seen).toContain('@xstate.snapshot');
  return seen.includes('@xstate.microstep');
}

describe('the actor driver is passed in, not imported by the runtime (R230)', () => {
  const server = () => ({ host: 'p', transport: fakeNetwork().factory });

  it("the runtime alone refuses driver: 'actor' with a ConfigError that says what to pass (R230)", () => {
    const error = configErrorOf(
      () => new RuntimeLifecycleClient({ servers: [server()], clock: new SimulatedClock(), driver: 'actor' }),
    );
    expect(error.key).toBe('driver');
    expect(error.message).toMatch(/createActorDriver/);
  });

  it("the Node entry wires the actor driver: driver: 'actor' runs a live actor as before (R230)", () => {
    expect(
      runsAnActor((inspect) => new NodeLifecycleClient({ servers: [server()], driver: 'actor', inspect })),
    ).toBe(true);
    expect(
      runsAnActor((inspect) => new NodeMqttClient({ servers: [server()], driver: 'actor', inspect })),
    ).toBe(true);
    // And the default stays the step driver.
    expect(runsAnActor((inspect) => new NodeMqttClient({ servers: [server()], inspect }))).toBe(false);
  });

  it("the browser entry leaves it out: 'actor' is a ConfigError, the factory itself runs an actor (R230)", () => {
    expect(configErrorOf(() => new BrowserMqttClient({ servers: [server()], driver: 'actor' })).key).toBe(
      'driver',
    );
    expect(
      runsAnActor(
        (inspect) => new BrowserLifecycleClient({ servers: [server()], driver: createActorDriver, inspect }),
      ),
    ).toBe(true);
    // The step driver's inspection is an opt-in there too (R367).
    expect(
      runsAnActor(
        (inspect) => new BrowserMqttClient({ servers: [server()], inspect, inspection: stepInspection }),
      ),
    ).toBe(false);
  });
});

describe('store recovery is passed in, not imported by the session (R231)', () => {
  /** A store holding one queued QoS 1 message, written by a client that never connected. */
  function storeWithOneMessage(): MemoryStore {
    const store = new MemoryStore();
    const writer = new NodeMqttClient({
      servers: [{ host: 'p', transport: fakeNetwork().factory }],
      session: { store },
    });
    void writer.publish('t/1', 'x', { qos: 1 }).catch(() => {});
    expect(writer.session.queueLength).toBe(1);
    return store;
  }
  const server = { host: 'p', transport: fakeNetwork().factory, clientId: 'c', clean: false };

  it('the runtime and the browser entry refuse a store without storeRecovery, naming session.store (R231)', () => {
    const store = new MemoryStore();
    const runtime = configErrorOf(
      () => new RuntimeMqttClient({ servers: [server], clock: new SimulatedClock(), session: { store } }),
    );
    expect(runtime.key).toBe('session.store');
    expect(runtime.message).toMatch(/attachStore/);
    expect(configErrorOf(() => new BrowserMqttClient({ servers: [server], session: { store } })).key).toBe(
      'session.store',
    );
    // Without a store nothing is needed.
    expect(new BrowserMqttClient({ servers: [server] }).session.queueLength).toBe(0);
  });

  it('the Node entry restores a session from its store by default, as before (R231)', () => {
    const store = storeWithOneMessage();
    const client = new NodeMqttClient({ servers: [server], session: { store } });
    expect(client.session.queueLength).toBe(1);
    // The session the client builds is still an instance of the MqttSession the entry exports.
    expect(client.session).toBeInstanceOf(MqttSession);
    expect({}).not.toBeInstanceOf(MqttSession);
  });

  it('the browser entry restores it when the app passes storeRecovery: attachStore (R231)', () => {
    const store = storeWithOneMessage();
    const client = new BrowserMqttClient({
      servers: [server],
      session: { store },
      storeRecovery: attachStore,
    });
    expect(client.session.queueLength).toBe(1);
    expect(client.session.durable).toBe(true);
  });

  it("Node's MqttSession restores from a store by default; the protocol layer's takes recovery as a parameter (R231)", () => {
    const store = storeWithOneMessage();
    const io: SessionIO = { write: () => {}, bufferedBytes: () => 0, emit: () => {} };
    expect(new MqttSession(io, { store }).queueLength).toBe(1);
    expect(configErrorOf(() => new ProtocolSession(io, { store })).key).toBe('store');
    expect(new ProtocolSession(io, { store }, undefined, attachStore).queueLength).toBe(1);
  });
});
