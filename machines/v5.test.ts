/**
 * The MQTT 5 lifecycle decisions (spec R260-R271) on the statechart, under the simulated clock and
 * the fake transport of the lifecycle harness, through both drivers.
 */
import { describe, expect, it } from 'vitest';
import {
  createHarness,
  type DriverKind,
  defaultOptions,
  type Harness,
  refuse,
  server,
} from '../test/support/lifecycleHarness.js';
import type { ServerTiming } from './backoff.js';
import type { ConnectionEvent, LifecycleOptions } from './events.js';
import { connackDecision, disconnectDecision, MAX_REDIRECTS } from './v5.js';

const stop: LifecycleOptions = { ...defaultOptions, jitter: 0, onRefused: 'stop' };
const two = (): ServerTiming[] => [server('mqtt', 2, 60), server('mqtt1', 2, 60)];

const connack5 = (reasonCode: number, extra: Partial<ConnectionEvent> = {}): ConnectionEvent =>
  ({ type: 'mqtt5.connack', reasonCode, sessionPresent: false, ...extra }) as ConnectionEvent;
const disconnect5 = (reasonCode: number, serverReference?: string[]): ConnectionEvent =>
  serverReference === undefined
    ? { type: 'mqtt5.disconnect', reasonCode }
    : { type: 'mqtt5.disconnect', reasonCode, serverReference };

describe('decision tables (R260, R262)', () => {
  it('R260, R261, R263, R265: each CONNACK reason code has its decision', () => {
    const expected: [number, string][] = [
      [0x00, 'accept'],
      [0x80, 'retry'],
      [0x83, 'retry'],
      [0x88, 'retry'],
      [0x86, 'refuse'],
      [0x87, 'refuse'],
      [0x8a, 'refuse'],
      [0x8c, 'refuse'],
      [0x84, 'refuse'],
      [0x85, 'refuse'],
      [0x89, 'backoff'],
      [0x97, 'backoff'],
      [0x9f, 'backoff'],
      [0x9c, 'retry'], // without a Server Reference there is nowhere else to go
      [0x9d, 'retry'],
      [0xff, 'retry'], // unknown: the schedule
    ];
    expect(expected.map(([code]) => [code, connackDecision(code)])).toEqual(expected);
    expect(connackDecision(0x9c, ['ref-b'])).toBe('redirect');
    expect(connackDecision(0x9d, ['ref-b'])).toBe('redirect');
  });

  it('R262-R265: each server DISCONNECT reason code has its decision', () => {
    const expected: [number, string][] = [
      [0x00, 'drop'],
      [0x8e, 'takeover'],
      [0x8b, 'failover'],
      [0x89, 'backoff'],
      [0x97, 'backoff'],
      [0x96, 'backoff'],
      [0x8d, 'drop'],
      [0x98, 'drop'],
      [0x9c, 'drop'],
    ];
    expect(expected.map(([code]) => [code, disconnectDecision(code)])).toEqual(expected);
    expect(disconnectDecision(0x9d, ['ref-b'])).toBe('redirect');
  });
});

describe.each<DriverKind>(['actor', 'step', 'chart'])('MQTT 5 lifecycle decisions (%s driver)', (kind) => {
  const start = (options: LifecycleOptions = stop, servers: ServerTiming[] = two()): Harness => {
    const h = createHarness({ servers, options }, kind);
    h.send({ type: 'client.connect' });
    h.send({ type: 'transport.opened' });
    return h;
  };
  const connected = (options: LifecycleOptions = stop, servers: ServerTiming[] = two()): Harness => {
    const h = start(options, servers);
    h.send(connack5(0));
    expect(h.value()).toMatchObject({ online: { connected: {} } });
    return h;
  };
  const context = (h: Harness) => h.driver.getSnapshot().context;

  it('R261: 0x86, 0x87, 0x8A, 0x8C stop under onRefused: stop, reporting the code; retry under retry', () => {
    for (const code of [0x86, 0x87, 0x8a, 0x8c]) {
      const h = start();
      h.send(connack5(code));
      expect(h.value()).toBe('stopped');
      expect(h.emitted.at(-1)).toMatchObject({ type: 'stopped', error: { returnCode: code } });
      h.tick(3_600_000);
      expect(h.attempts()).toHaveLength(1);
      const r = start({ ...stop, onRefused: 'retry' });
      r.send(connack5(code));
      expect(r.value()).toMatchObject({ backoff: 'waiting' });
    }
  });

  it('R260: a retried code (0x88 server unavailable) waits the schedule; the runtime error is kept', () => {
    const h = start();
    const error = {
      code: 'CONNACK_REFUSED' as const,
      message: 'Server unavailable (0x88)',
      returnCode: 0x88,
    };
    h.send(connack5(0x88, { error }));
    expect(context(h).delayMs).toBe(2000);
    expect(h.emitted.find((e) => e.type === 'connect.error')).toMatchObject({ error });
  });

  it('R263: CONNACK 0x89 server busy waits the server max, not the schedule start', () => {
    const h = start();
    h.send(connack5(0x89));
    expect(context(h).nominalMs).toBe(60_000);
    h.tick(59_999);
    expect(h.attempts()).toHaveLength(1);
    h.tick(1);
    expect(h.attempts()).toHaveLength(2);
  });

  it('R263: DISCONNECT 0x97 quota exceeded backs off to the max; 0x00 is a drop on the schedule', () => {
    const h = connected();
    h.send(disconnect5(0x97));
    expect(context(h).nominalMs).toBe(60_000);
    const d = connected();
    d.send(disconnect5(0x00));
    expect(context(d).nominalMs).toBe(2000);
    expect(d.emitted.find((e) => e.type === 'disconnected')).toMatchObject({
      error: { code: 'TRANSPORT_CLOSED', message: 'the server disconnected with reason code 0x00' },
    });
  });

  it('R262: 0x8E session taken over stops the client, whatever onRefused says, and never retries', () => {
    const h = connected({ ...stop, onRefused: 'retry' });
    h.send(disconnect5(0x8e));
    expect(h.value()).toBe('stopped');
    expect(h.openServer()).toBeNull();
    expect(h.emitted.map((e) => e.type).slice(-2)).toEqual(['disconnected', 'stopped']);
    h.tick(3_600_000);
    expect(h.attempts()).toHaveLength(1);
  });

  it('R264: 0x8B server shutting down fails over to the next server at once, with no backoff', () => {
    const h = connected();
    h.tick(1000);
    h.send(disconnect5(0x8b));
    expect(h.attempts()).toEqual([
      { server: 0, at: 0 },
      { server: 1, at: 1000 },
    ]);
    expect(h.emitted.some((e) => e.type === 'backoff')).toBe(false);
    // A fresh schedule on the new server: its failure waits clamp(2 s, min, max).
    refuse(h);
    expect(context(h)).toMatchObject({ current: 1, nominalMs: 2000 });
  });

  it('R264: with one server, 0x8B retries it at once', () => {
    const h = connected(stop, [server('mqtt', 2, 60)]);
    h.send(disconnect5(0x8b));
    expect(h.attempts().map((a) => a.server)).toEqual([0, 0]);
  });

  it('R265, R266: CONNACK 0x9C goes to the referenced server at once, for that attempt only', () => {
    const h = start();
    h.send(connack5(0x9c, { serverReference: ['ref-1'] }));
    expect(context(h).servers[2]).toEqual({ ...server('ref-1', 2, 60), enabled: false });
    expect(h.attempts()).toEqual([
      { server: 0, at: 0 },
      { server: 2, at: 0 },
    ]);
    // The detour fails: the schedule goes on from the ring server it left, never back to the detour.
    refuse(h);
    expect(context(h)).toMatchObject({ current: 0, returnTo: null });
    for (let i = 0; i < 12; i++) {
      h.tick(context(h).delayMs);
      refuse(h);
    }
    expect(
      h
        .attempts()
        .slice(2)
        .map((a) => a.server),
    ).not.toContain(2);
  });

  it('R266: a session on a 0x9C detour, once dropped, reconnects to the ring server', () => {
    const h = start();
    h.send(connack5(0x9c, { serverReference: ['ref-1'] }));
    h.send({ type: 'transport.opened' });
    h.send(connack5(0));
    expect(h.emitted.at(-1)).toMatchObject({ type: 'connected', server: 'ref-1', serverIndex: 2 });
    h.send({ type: 'transport.closed' });
    h.tick(context(h).delayMs);
    expect(h.attempts().at(-1)?.server).toBe(0);
  });

  it('R265, R267: DISCONNECT 0x9D moves the client for its whole life: the old server is left out of the ring', () => {
    const h = connected(stop, [server('mqtt', 2, 4), server('mqtt1', 2, 4)]);
    h.send(disconnect5(0x9d, ['ref-2', 'ref-3']));
    expect(context(h).servers.map((s) => `${s.name}:${s.enabled}`)).toEqual([
      'mqtt:false',
      'mqtt1:true',
      'ref-2:true',
      'ref-3:true',
    ]);
    expect(h.attempts().at(-1)).toEqual({ server: 2, at: 0 });
    for (let i = 0; i < 20; i++) {
      refuse(h);
      h.tick(context(h).delayMs);
    }
    h.send({ type: 'client.disconnect' });
    h.send({ type: 'client.connect' });
    const after = h
      .attempts()
      .slice(1)
      .map((a) => a.server);
    expect(new Set(after)).toEqual(new Set([1, 2, 3]));
  });

  it(`R268: a redirect loop is bounded: after ${MAX_REDIRECTS} immediate moves the schedule applies`, () => {
    const h = start();
    for (let i = 0; i < MAX_REDIRECTS; i++) {
      h.send(connack5(0x9c, { serverReference: [i % 2 === 0 ? 'ref-a' : 'ref-b'] }));
      h.send({ type: 'transport.opened' });
    }
    expect(h.attempts()).toHaveLength(MAX_REDIRECTS + 1);
    h.send(connack5(0x9c, { serverReference: ['ref-a'] }));
    expect(h.value()).toMatchObject({ backoff: 'waiting' });
    expect(context(h).delayMs).toBe(2000);
  });

  it('R268: a session that stays up stableConnectionMs ends the run of moves', () => {
    const h = connected();
    for (let i = 0; i < MAX_REDIRECTS - 1; i++) {
      h.send(disconnect5(0x8b));
      h.send({ type: 'transport.opened' });
      h.send(connack5(0));
    }
    expect(context(h).moves).toBe(MAX_REDIRECTS - 1);
    h.tick(defaultOptions.stableConnectionMs);
    expect(context(h).moves).toBe(0);
  });

  it('R269: Server Keep Alive replaces the client keep alive for that connection only', () => {
    const h = start();
    h.send(connack5(0, { serverKeepAliveMs: 5000 }));
    h.tick(5000);
    expect(h.effects.filter((e) => e === 'pingreq')).toHaveLength(1);
    h.send({ type: 'transport.closed' });
    h.tick(context(h).delayMs);
    h.send({ type: 'transport.opened' });
    h.send(connack5(0));
    expect(context(h).serverKeepAliveMs).toBeNull();
    h.tick(59_999);
    expect(h.effects.filter((e) => e === 'pingreq')).toHaveLength(1);
    h.tick(1);
    expect(h.effects.filter((e) => e === 'pingreq')).toHaveLength(2);
  });

  it('R269: Server Keep Alive 0 turns PINGREQ off', () => {
    const h = start();
    h.send(connack5(0, { serverKeepAliveMs: 0 }));
    expect(h.value()).toMatchObject({ online: { connected: { keepalive: 'off' } } });
  });

  it('R270: the Assigned Client Identifier is kept for the following reconnects, until reconfigured', () => {
    const h = start();
    h.send(connack5(0, { assignedClientId: 'auto-1234' }));
    h.send({ type: 'transport.closed' });
    h.tick(context(h).delayMs);
    h.send({ type: 'transport.opened' });
    h.send(connack5(0));
    expect(context(h).assignedClientId).toBe('auto-1234');
    h.send({ type: 'client.configure', servers: two(), options: stop });
    expect(context(h).assignedClientId).toBeNull();
  });

  it('R260: an accepting CONNACK tells the session layer and the user whether the session was present', () => {
    const h = start();
    h.send(connack5(0, { sessionPresent: true }));
    expect(h.effects).toContain('sessionUp:true');
    expect(h.emitted.at(-1)).toMatchObject({ type: 'connected', sessionPresent: true });
  });

  it('R260: a DISCONNECT before CONNACK is a failed attempt on the schedule', () => {
    const h = start();
    h.send(disconnect5(0x8e));
    expect(h.value()).toMatchObject({ backoff: 'waiting' });
    expect(h.violations).toEqual([]);
  });
});
