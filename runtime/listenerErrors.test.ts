/**
 * R63's reporting rules, one at a time (the property in properties/listeners.prop.test.ts covers
 * "whatever throws, whenever"): where a throw goes, the default, and the cases that could loop.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SimulatedClock } from 'xstate';
import { ListenerError } from '../errors.js';
import { fakeNetwork } from '../test/support/fakeTransport.js';
import { MqttClient, type MqttClientOptions } from './client.js';
import { LifecycleClient } from './lifecycleClient.js';

afterEach(() => {
  vi.restoreAllMocks();
});

function connected(options: Partial<MqttClientOptions> = {}) {
  const net = fakeNetwork();
  const client = new MqttClient({
    servers: [{ host: 'p', transport: net.factory }],
    clock: new SimulatedClock(),
    ...options,
  });
  client.connect();
  const conn = net.connections[0];
  conn?.handlers.onOpen();
  conn?.reply({ cmd: 'connack', returnCode: 0, sessionPresent: false });
  return { client, conn };
}

const qos1 = (messageId: number) =>
  ({
    cmd: 'publish',
    topic: 't',
    payload: Buffer.from('x'),
    qos: 1,
    messageId,
    dup: false,
    retain: false,
  }) as const;

describe('ListenerError reporting (R63)', () => {
  it('without onListenerError, logs with console.error and goes on', () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { client, conn } = connected();
    client.onMessage(() => {
      throw new Error('boom');
    });
    conn?.reply(qos1(1));
    expect(log).toHaveBeenCalledTimes(1);
    expect(String(log.mock.calls[0]?.[0])).toContain('a message callback threw');
    // The thrown Error is printed once, as the second argument (its stack), not quoted in the line too.
    expect(String(log.mock.calls[0]?.[0])).not.toContain('boom');
    expect(log.mock.calls[0]?.[1]).toBeInstanceOf(Error);
    expect(conn?.written.at(-1)).toMatchObject({ cmd: 'puback', messageId: 1 });
  });

  it('emits listener.error with the ListenerError, whose cause is what was thrown', () => {
    const thrown = { not: 'an Error' };
    const seen: ListenerError[] = [];
    const { client, conn } = connected({ onListenerError: () => {} });
    client.onEvent((e) => {
      if (e.type === 'listener.error') seen.push(e.error);
    });
    client.onMessage(() => {
      throw thrown;
    });
    conn?.reply(qos1(1));
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(ListenerError);
    expect(seen[0]).toMatchObject({ code: 'LISTENER_ERROR', listener: 'message', cause: thrown });
  });

  it('a throwing onListenerError is ignored; the message is still acknowledged', () => {
    const { client, conn } = connected({
      onListenerError: () => {
        throw new Error('handler bug');
      },
    });
    client.onMessage(() => {
      throw new Error('listener bug');
    });
    expect(() => conn?.reply(qos1(4))).not.toThrow();
    expect(conn?.written.at(-1)).toMatchObject({ cmd: 'puback', messageId: 4 });
  });

  it('a listener that throws on listener.error itself is reported to the handler but not forwarded again (no loop)', () => {
    const reports: ListenerError[] = [];
    const { client, conn } = connected({ onListenerError: (e) => reports.push(e) });
    let events = 0;
    client.onEvent((e) => {
      if (e.type !== 'listener.error') return;
      events++;
      throw new Error('throws on every report');
    });
    client.onMessage(() => {
      throw new Error('first');
    });
    conn?.reply(qos1(2));
    expect(events).toBe(1);
    expect(reports.map((r) => [r.listener, (r.cause as Error).message])).toEqual([
      ['message', 'first'],
      ['event', 'throws on every report'],
    ]);
  });

  it('a throwing completion callback (publishNow done) is reported, not rethrown', () => {
    const reports: ListenerError[] = [];
    const { client, conn } = connected({ onListenerError: (e) => reports.push(e) });
    client.publishNow('t', 'x', 1, false, () => {
      throw new Error('done bug');
    });
    const id = (conn?.written.at(-1) as { messageId?: number } | undefined)?.messageId ?? 0;
    expect(() => conn?.reply({ cmd: 'puback', messageId: id })).not.toThrow();
    expect(reports.map((r) => r.listener)).toEqual(['completion']);
    expect(client.session.queueLength).toBe(0);
  });

  it('a LifecycleClient alone: throwing lifecycle listeners and journal sink do not stop the statechart', () => {
    const net = fakeNetwork();
    const reports: ListenerError[] = [];
    const client = new LifecycleClient({
      servers: [{ host: 'p', transport: net.factory }],
      clock: new SimulatedClock(),
      journal: () => {
        throw new Error('journal bug');
      },
      onListenerError: (e) => reports.push(e),
    });
    client.onLifecycle(() => {
      throw new Error('lifecycle bug');
    });
    client.connect();
    net.connections[0]?.handlers.onOpen();
    net.connections[0]?.reply({ cmd: 'connack', returnCode: 0, sessionPresent: false });
    expect(client.isConnected()).toBe(true);
    expect(new Set(reports.map((r) => r.listener))).toEqual(new Set(['journal', 'lifecycle']));
  });
});
