/**
 * The embedded client (`mqttClientLogic`, spec R170-R179) inside app machines, against aedes
 * through a wire tap: the docs/ device machine with its MQTT child invoked and spawned, the events
 * the parent hears (backoff, failover, messages), the commands and their answers, stopping, and
 * the journal.
 */

import { describe, expect, it } from 'vitest';
import {
  type AnyActorRef,
  type AnyEventObject,
  createActor,
  type InspectionEvent,
  SimulatedClock,
  setup,
} from 'xstate';
import { createDeviceMachine } from '../../docs/examples/device.js';
import { ClientClosedError, ConfigError, InvalidTopicError, TransportError } from '../../errors.js';
import { mqttClientLogic } from '../../index.js';
import { checkReplay } from '../../machines/journal.js';
import type { MqttActorEvent, MqttActorInput, MqttActorSnapshot } from '../../runtime/embedded.js';
import { freePort } from '../support/brokers.js';
import { connect, server, useResources } from '../support/integration.js';

const { aedes, tap, makeClient, own, defer } = useResources();

/** Resolves once `actor`'s snapshot satisfies `done`. */
function until<T extends AnyActorRef>(actor: T, done: (snapshot: ReturnType<T['getSnapshot']>) => boolean) {
  return new Promise<void>((resolve) => {
    if (done(actor.getSnapshot())) return resolve();
    const sub = actor.subscribe((s) => {
      if (!done(s as ReturnType<T['getSnapshot']>)) return;
      sub.unsubscribe();
      resolve();
    });
  });
}

/** An app machine that only invokes the client and records every event it hears. */
function recorder(input: MqttActorInput, clock?: SimulatedClock) {
  const heard: MqttActorEvent[] = [];
  const waiters = new Set<() => void>();
  const app = setup({ actors: { mqtt: mqttClientLogic } }).createMachine({
    invoke: { id: 'mqtt', src: 'mqtt', input },
    on: {
      '*': {
        actions: ({ event }: { event: AnyEventObject }) => {
          heard.push(event as MqttActorEvent);
          for (const w of [...waiters]) w();
        },
      },
    },
  });
  const actor = createActor(app, clock === undefined ? {} : { clock });
  defer(() => actor.stop());
  const child = () => actor.getSnapshot().children.mqtt as AnyActorRef;
  const send = (event: AnyEventObject) => child().send(event);
  const hear = <K extends MqttActorEvent['type']>(type: K, count = 1) =>
    new Promise<Extract<MqttActorEvent, { type: K }>>((resolve) => {
      const check = () => {
        const found = heard.filter((e) => e.type === type);
        if (found.length < count) return;
        waiters.delete(check);
        resolve(found[count - 1] as Extract<MqttActorEvent, { type: K }>);
      };
      waiters.add(check);
      check();
    });
  const snapshot = () => child().getSnapshot() as MqttActorSnapshot;
  return { actor, heard, hear, send, snapshot };
}

const disconnects = (packets: readonly { packet: { cmd: string } }[]) =>
  packets.filter((p) => p.packet.cmd === 'disconnect').length;

describe('the device machine of docs/examples/device.ts (R179)', () => {
  for (const ownership of ['invoke', 'spawn'] as const) {
    it(`${ownership}s the MQTT child: provisioned, online, handles a command, back to idle; the inspector sees the statechart as its grandchild (R170, R171, R174)`, async () => {
      const broker = await aedes();
      const wire = await tap(broker.port);
      const inspected: InspectionEvent[] = [];
      const device = createActor(createDeviceMachine(ownership), {
        input: { deviceId: `d-${ownership}` },
        inspect: (e) => inspected.push(e),
      });
      defer(() => device.stop());
      device.start();
      device.send({ type: 'device.provisioned', servers: [server(wire.port)] });
      await until(device, (s) => s.matches({ online: 'idle' }));

      // The inspector sees device -> mqtt -> connection, and the connection's own states (R171).
      const actors = inspected
        .filter((e) => e.type === '@xstate.actor')
        .map((e) => e.actorRef as AnyActorRef);
      const connection = actors.find((a) => a.id === 'connection');
      expect(connection?._parent?.id).toBe('mqtt');
      expect(connection?._parent?._parent).toBe(device);
      const states = inspected
        .filter((e) => e.type === '@xstate.snapshot' && e.actorRef === connection)
        .map((e) => JSON.stringify((e as { snapshot: { value?: unknown } }).snapshot.value));
      expect(states).toContain(JSON.stringify({ online: { connecting: 'handshaking' } }));
      expect(states.at(-1)).toContain('"connected"');

      const operator = own(makeClient({ servers: [server(broker.port)] }));
      await connect(operator);
      await operator.publish(`devices/d-${ownership}/commands`, 'blink', { qos: 1 });
      await until(device, (s) => s.context.handled === 1);
      expect(device.getSnapshot().matches({ online: 'idle' })).toBe(true);
      await wire.until(
        (p) =>
          p.some(
            (x) =>
              x.packet.cmd === 'publish' &&
              x.packet.topic === `devices/d-${ownership}/acks` &&
              String(x.packet.payload) === 'done: blink',
          ),
        'the ack on the wire',
      );

      // Leaving `online` stops the child: a clean DISCONNECT (R176), so the will is discarded.
      device.send({ type: 'device.reset' });
      expect(device.getSnapshot().value).toBe('provisioning');
      expect(device.getSnapshot().children.mqtt).toBeUndefined();
      await wire.until((p) => disconnects(p) === 1, 'DISCONNECT from the device');
    });
  }
});

describe('what the parent hears and what it can send', () => {
  it('hears connect.error, backoff with its delay and server, failover, connected (R172, R173)', async () => {
    const broker = await aedes();
    const dead = await freePort();
    const app = recorder({
      servers: [server(dead, { name: 'dead' }), server(broker.port, { name: 'live' })],
    });
    app.actor.start();
    const connected = await app.hear('mqtt.connected');
    expect(connected).toMatchObject({ server: 'live', serverIndex: 1 });
    // The dead server is retried on its own schedule first; then one failover, announced between
    // the backoff that switched and the attempt on the other server.
    const types = app.heard.map((e) => e.type);
    const failover = types.indexOf('mqtt.failover');
    expect(types.filter((t) => t === 'mqtt.failover')).toHaveLength(1);
    expect(types.slice(failover - 1, failover + 3)).toEqual([
      'mqtt.backoff',
      'mqtt.failover',
      'mqtt.connecting',
      'mqtt.connected',
    ]);
    const backoff = app.heard[failover - 1] as Extract<MqttActorEvent, { type: 'mqtt.backoff' }>;
    expect(backoff).toMatchObject({ server: 'live', serverIndex: 1, switched: true });
    expect(backoff.delayMs).toBeGreaterThan(0);
    expect(app.heard[failover]).toEqual({
      type: 'mqtt.failover',
      from: 'dead',
      fromIndex: 0,
      to: 'live',
      toIndex: 1,
    });
    // A restart forgets the last attempt: its first attempt is no failover, even on another server.
    app.send({ type: 'mqtt.disconnect' });
    await app.hear('mqtt.stopped');
    const restart = app.heard.length;
    app.send({ type: 'mqtt.connect' });
    await app.hear('mqtt.connected', 2);
    const after = app.heard.slice(restart).map((e) => e.type);
    expect(after[0]).toBe('mqtt.connecting');
    expect(app.heard[restart]).toMatchObject({ serverIndex: 0 });
    expect(after.filter((t) => t === 'mqtt.failover')).toHaveLength(1);

    // The error is the typed class again, not its plain data.
    const refused = await app.hear('mqtt.connect.error');
    expect(refused.error).toBeInstanceOf(TransportError);
    expect(refused.error).toMatchObject({ code: 'TRANSPORT_ERROR', reason: 'CONNECTION_REFUSED' });
  });

  it("the statechart's delays run on the app system's clock (R171)", async () => {
    const clock = new SimulatedClock();
    const app = recorder({ servers: [server(await freePort())] }, clock);
    app.actor.start();
    const backoff = await app.hear('mqtt.backoff');
    expect(app.heard.filter((e) => e.type === 'mqtt.connecting')).toHaveLength(1);
    // Short of the delay nothing happens; at the delay the retry starts, within the increment.
    clock.increment(backoff.delayMs - 1);
    expect(app.heard.filter((e) => e.type === 'mqtt.connecting')).toHaveLength(1);
    clock.increment(1);
    expect(app.heard.filter((e) => e.type === 'mqtt.connecting')).toHaveLength(2);
  });

  it('answers each command with its id and the result or the typed error, quiet publishes only when they fail (R174, R175, R177)', async () => {
    const broker = await aedes();
    const app = recorder({ servers: [server(broker.port)] });
    app.actor.start();
    await app.hear('mqtt.connected');

    app.send({ type: 'mqtt.subscribe', filter: 'echo/#', qos: 1, id: 's1' });
    expect(await app.hear('mqtt.subscribe.done')).toEqual({
      type: 'mqtt.subscribe.done',
      id: 's1',
      filter: 'echo/#',
      granted: 1,
    });
    app.send({ type: 'mqtt.publish', topic: 'echo/a', payload: 'hi', qos: 1, id: 7 });
    expect(await app.hear('mqtt.publish.done')).toEqual({
      type: 'mqtt.publish.done',
      id: 7,
      topic: 'echo/a',
    });
    const message = await app.hear('mqtt.message');
    expect(message).toMatchObject({ topic: 'echo/a', qos: 1, retain: false });
    expect(new TextDecoder().decode(message.payload)).toBe('hi');

    app.send({ type: 'mqtt.publish', topic: 'echo/+', payload: 'x', id: 'bad' });
    const refused = await app.hear('mqtt.publish.error');
    expect(refused.id).toBe('bad');
    expect(refused.error).toBeInstanceOf(InvalidTopicError);
    app.send({ type: 'mqtt.subscribe', filter: 'a/#/b', id: 'bad-filter' });
    expect((await app.hear('mqtt.subscribe.error')).error).toBeInstanceOf(InvalidTopicError);

    // Quiet (R177): the message goes out and comes back, but its success is not answered; a
    // refusal at once still is.
    app.send({ type: 'mqtt.publish', topic: 'echo/q', payload: 'quiet', qos: 1, quiet: true, id: 'q1' });
    await app.hear('mqtt.message', 2);
    app.send({ type: 'mqtt.publish', topic: 'echo/#', payload: 'x', quiet: true, id: 'q2' });
    expect((await app.hear('mqtt.publish.error', 2)).id).toBe('q2');
    // An answered publish after it: its PUBACK comes after the quiet one's.
    app.send({ type: 'mqtt.publish', topic: 'echo/b', payload: 'after', qos: 1, id: 8 });
    await app.hear('mqtt.publish.done', 2);
    expect(app.heard.filter((e) => e.type === 'mqtt.publish.done').map((e) => e.id)).toEqual([7, 8]);

    app.send({ type: 'mqtt.unsubscribe', filter: 'echo/#', id: 'u1' });
    expect(await app.hear('mqtt.unsubscribe.done')).toEqual({
      type: 'mqtt.unsubscribe.done',
      id: 'u1',
      filter: 'echo/#',
    });
    app.send({ type: 'mqtt.disconnect', id: 'd1' });
    expect(await app.hear('mqtt.disconnect.done')).toEqual({ type: 'mqtt.disconnect.done', id: 'd1' });
    expect(await app.hear('mqtt.disconnected')).toMatchObject({ error: null });
    expect(await app.hear('mqtt.stopped')).toEqual({ type: 'mqtt.stopped', error: null });
    expect(app.snapshot().connection.getSnapshot().value).toBe('stopped');
    // And it connects again on command.
    app.send({ type: 'mqtt.connect' });
    await app.hear('mqtt.connected', 2);
  });

  for (const keepQueue of [false, true]) {
    it(`stopping the parent sends DISCONNECT and ${keepQueue ? 'keeps' : 'fails'} what is queued (keepQueue: ${keepQueue}, R176)`, async () => {
      const broker = await aedes();
      const wire = await tap(broker.port);
      const app = recorder({ servers: [server(wire.port)], keepQueue, session: { maxInflight: 1 } });
      app.actor.start();
      await app.hear('mqtt.connected');
      const { client, connection } = app.snapshot();
      // aedes never acknowledges from now on: one message stays in flight, the other queued.
      broker.broker.authorizePublish = () => {};
      const outcomes = [1, 2].map((n) =>
        client.publish('held/x', `m${n}`, { qos: 1 }).then(
          () => 'acked',
          (error: unknown) => error,
        ),
      );
      await wire.until((p) => p.some((x) => x.packet.cmd === 'publish'), 'the first publish');
      app.actor.stop();
      await wire.until((p) => disconnects(p) === 1, 'DISCONNECT');
      expect(connection.getSnapshot().status).toBe('stopped');
      if (keepQueue) {
        expect(client.numUnsentBytes()).toBeGreaterThan(0);
      } else {
        const settled = await Promise.all(outcomes);
        for (const outcome of settled) expect(outcome).toBeInstanceOf(ClientClosedError);
      }
      // Nothing about the stop reached the stopped parent.
      expect(app.heard.map((e) => e.type)).not.toContain('mqtt.stopped');
    });
  }

  it('journals the statechart as its child runs, and the journal replays (R178)', async () => {
    const broker = await aedes();
    const dead = await freePort();
    const app = recorder({ servers: [server(dead), server(broker.port)], journal: true });
    app.actor.start();
    await app.hear('mqtt.connected');
    app.send({ type: 'mqtt.disconnect' });
    await app.hear('mqtt.stopped');
    const journal = app.snapshot().client.lifecycle.journal();
    const types = journal.entries.map((e) => e.event.type);
    expect(types[0]).toBe('client.connect');
    expect(types).toContain('random.drawn');
    expect(types.some((t) => t.startsWith('xstate.after'))).toBe(true);
    expect(types).toContain('mqtt.connack');
    expect(types.at(-1)).toBe('client.disconnect');
    const checked = checkReplay(journal);
    expect(checked.mismatch).toBeNull();
    expect(checked.checked).toBe(journal.entries.length);
  });
});

describe('input (R170)', () => {
  it('a bad input is the actor error the parent hears, a ConfigError', async () => {
    const errors: unknown[] = [];
    const app = setup({ actors: { mqtt: mqttClientLogic } }).createMachine({
      invoke: {
        id: 'mqtt',
        src: 'mqtt',
        input: { servers: [] },
        onError: { target: '.failed', actions: ({ event }) => errors.push(event.error) },
      },
      initial: 'running',
      states: { running: {}, failed: {} },
    });
    const actor = createActor(app).start();
    defer(() => actor.stop());
    expect(actor.getSnapshot().value).toBe('failed');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ConfigError);
  });

  it('with connect: false it waits for mqtt.connect', async () => {
    const broker = await aedes();
    const wire = await tap(broker.port);
    const app = recorder({ servers: [server(wire.port)], connect: false });
    app.actor.start();
    expect(app.snapshot().connection.getSnapshot().value).toBe('idle');
    expect(app.snapshot().client.state).toBe('idle');
    app.send({ type: 'mqtt.connect' });
    await app.hear('mqtt.connected');
    expect(wire.packets.map((p) => p.packet.cmd)).toEqual(['connect']);
  });
});
