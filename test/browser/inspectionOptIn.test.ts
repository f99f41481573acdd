/**
 * Inspection is an opt-in in the browser (spec R367): the step driver's inspection events are
 * made by `stepInspection`, which the browser entry leaves out unless the app passes it next to
 * `inspect`; the Node entry wires it by default, and the actor driver inspects natively.
 */

import { describe, expect, it } from 'vitest';
import { type InspectionEvent, SimulatedClock } from 'xstate';
import { MqttClient as NodeMqttClient, nodeDefaults } from '../../adapters/node.js';
import {
  LifecycleClient as BrowserLifecycleClient,
  MqttClient as BrowserMqttClient,
  browserDefaults,
  createActorDriver,
  stepInspection,
} from '../../browser.js';
import type { LifecycleClientConfig } from '../../runtime/lifecycleClient.js';
import { withDefaults } from '../../runtime/options.js';
import { bundle } from '../../scripts/browser/bundle.js';
import { configError } from '../support/configError.js';
import { fakeNetwork } from '../support/fakeTransport.js';

/** A client's options on a fake network and a simulated clock: nothing leaves the process. */
function base() {
  const net = fakeNetwork();
  return { servers: [{ host: 'h', transport: net.factory }], clock: new SimulatedClock() };
}

/** The types of what the observer heard through `make`'s client's construction and connect(). */
function heard(make: (inspect: (event: InspectionEvent) => void) => { connect(): unknown }): string[] {
  const types: string[] = [];
  make((event) => types.push(event.type)).connect();
  return types;
}

describe('inspection is an opt-in of the browser entry (R367)', () => {
  it('R367: inspect without inspection is a ConfigError under inspect that says what to pass', () => {
    const error = configError(() => new BrowserMqttClient({ ...base(), inspect: () => {} }));
    expect(error.key).toBe('inspect');
    expect(error.message).toContain('pass inspection: stepInspection');
    expect(configError(() => new BrowserLifecycleClient({ ...base(), inspect: () => {} })).key).toBe(
      'inspect',
    );
  });

  it('R367: with inspection: stepInspection the default client sends the observer what an actor would', () => {
    const types = heard(
      (inspect) => new BrowserMqttClient({ ...base(), inspect, inspection: stepInspection }),
    );
    expect(types[0]).toBe('@xstate.actor');
    expect(types).toContain('@xstate.snapshot');
    expect(types).toContain('@xstate.event');
    // A step driver, not an actor: an actor also reports microsteps.
    expect(types).not.toContain('@xstate.microstep');
  });

  it('R369: each chart step makes its own state value, equal to the one before for the same configuration', () => {
    const values: unknown[] = [];
    const client = new BrowserLifecycleClient(base());
    client.subscribeSnapshots((snapshot) => values.push(snapshot.value));
    client.connect();
    void client.disconnect();
    client.connect();
    // idle -> connecting -> stopped -> connecting again: the same configuration, a value of its own.
    const connecting = values.filter((v) => typeof v === 'object');
    expect(connecting.length).toBeGreaterThanOrEqual(2);
    expect(connecting[0]).toEqual(connecting.at(-1));
    expect(connecting[0]).not.toBe(connecting.at(-1));
  });

  it("R368: the chart step's snapshot has no toJSON of its own; an inspector is shown xstate's fields", () => {
    const snapshots: object[] = [];
    const client = new BrowserMqttClient({
      ...base(),
      inspect: (event) => {
        if (event.type === '@xstate.snapshot') snapshots.push(event.snapshot);
      },
      inspection: stepInspection,
    });
    expect('toJSON' in client.lifecycle.getSnapshot()).toBe(false);
    expect(JSON.parse(JSON.stringify(client.lifecycle.getSnapshot()))).toEqual({
      status: 'active',
      value: 'idle',
      context: expect.any(Object),
    });
    expect(Object.keys(JSON.parse(JSON.stringify(snapshots[0])))).toEqual([
      'status',
      'context',
      'value',
      'children',
      'historyValue',
      'tags',
    ]);
    // What the inspector reads through the view is the snapshot's own.
    expect((snapshots[0] as { value: unknown }).value).toBe('idle');
  });

  it('R367: the actor driver inspects without it; so does every Node client', () => {
    const actor = heard(
      (inspect) => new BrowserMqttClient({ ...base(), driver: createActorDriver, inspect }),
    );
    expect(actor).toContain('@xstate.microstep');
    const node = heard((inspect) => new NodeMqttClient({ ...base(), inspect }));
    expect(node[0]).toBe('@xstate.actor');
    expect(node).toContain('@xstate.snapshot');
  });

  it('R367: the entry defaults add inspection only next to inspect, and only where they name it', () => {
    const plain: LifecycleClientConfig = base();
    expect('inspection' in withDefaults(plain, nodeDefaults)).toBe(false);
    const inspect = () => {};
    expect(withDefaults({ ...plain, inspect }, nodeDefaults).inspection).toBe(stepInspection);
    expect(withDefaults({ ...plain, inspect }, browserDefaults).inspection).toBeUndefined();
    // An app's own is kept, in either entry.
    const own = stepInspection.bind(null);
    expect(withDefaults({ ...plain, inspect, inspection: own }, nodeDefaults).inspection).toBe(own);
  });

  it('R367: the default browser client carries no inspection; the whole entry does', async () => {
    const build = (entry: string) => bundle({ entry, external: ['rxjs'], minify: false });
    const [client, whole] = await Promise.all([
      build('scripts/browser/defaultClient.ts'),
      build('browser.ts'),
    ]);
    expect(client.code).not.toMatch(/StepInspection = class/);
    expect(client.code).not.toContain('@xstate.snapshot');
    // R368: nor the snapshot's xstate-shaped JSON, which only an inspector reads.
    expect(client.code).not.toContain('historyValue');
    expect(whole.code).toContain('historyValue');
    expect(client.code).toContain('pass inspection: stepInspection');
    // R369: nor a memo of the chart's configurations, which only a fleet of chart-step clients would share.
    expect(client.code).toContain('function snapshotOf(');
    expect(client.code).not.toMatch(/configurations\.(get|set)\(/);
    expect(whole.code).toMatch(/StepInspection = class/);
    expect(whole.code).toContain('@xstate.snapshot');
  });
});
