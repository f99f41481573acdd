import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONNACK_REASONS, ConnackError } from '../errors.js';
import { diagramFiles, unknownDelays } from '../scripts/diagram/diagram.js';
import {
  accept,
  createHarness,
  type DriverKind,
  defaultOptions,
  type Harness,
  mongooseOptions,
  refuse,
  refusedSchedule,
  server,
} from '../test/support/lifecycleHarness.js';
import type { ServerTiming } from './backoff.js';
import { connectionMachine } from './connection.js';
import type { LifecycleOptions } from './events.js';

const noJitter = { ...mongooseOptions, jitter: 0 };
const seconds = (schedule: [string, number][]) =>
  schedule.map(([name, ms]) => `${name === 'mqtt' ? 'P' : 'B'}${ms / 1000}`);

describe.each<DriverKind>(['actor', 'step', 'chart'])('connection statechart (%s driver)', (kind) => {
  /** One server, mqtt (2 s, 60 s), under `options`, told to connect: its first attempt is open. */
  const connecting = (options: LifecycleOptions, random?: () => number): Harness => {
    const h = createHarness({ servers: [server('mqtt', 2, 60)], options }, kind, random);
    h.send({ type: 'client.connect' });
    return h;
  };

  describe('schedule worked examples (spec R12-R13, reference table 1.2)', () => {
    /**
     * Refuses every attempt on `servers` (mongoose profile, no jitter) and expects the delays, in
     * seconds and named P / B for the primary / backup, as `expected` lists them.
     */
    const expectSchedule = (servers: ServerTiming[], expected: string): void => {
      const delays = expected.split(' ');
      const h = createHarness({ servers, options: noJitter }, kind);
      expect(seconds(refusedSchedule(h, delays.length))).toEqual(delays);
    };

    it('P(2,60), B(2,60): P2..P60 then B4..B60 then P4..', () => {
      expectSchedule(
        [server('mqtt', 2, 60), server('mqtt1', 2, 60)],
        'P2 P4 P8 P16 P32 P60 B4 B8 B16 B32 B60 P4 P8 P16 P32 P60',
      );
    });
    it('P(1,60), B(1,60): the first delay is 2 s, not 1 s', () => {
      expectSchedule([server('mqtt', 1, 60), server('mqtt1', 1, 60)], 'P2 P4 P8 P16 P32 P60 B2 B4 B8');
    });
    it('P(5,60), B(10,30): each server restarts with its own min and max', () => {
      expectSchedule(
        [server('mqtt', 5, 60), server('mqtt1', 10, 30)],
        'P5 P10 P20 P40 P60 B20 B30 P10 P20 P40 P60 B20 B30',
      );
    });
    it('P(2,60), B disabled: stays on the primary at max', () => {
      expectSchedule(
        [server('mqtt', 2, 60), server('mqtt1', 2, 60, false)],
        'P2 P4 P8 P16 P32 P60 P60 P60 P60',
      );
    });
    it('three servers form a ring under the same rule', () => {
      const servers = [server('mqtt', 2, 8), server('b', 2, 8), server('c', 2, 8)];
      const h = createHarness({ servers, options: noJitter }, kind);
      const names = refusedSchedule(h, 9).map(([name, ms]) => `${name}${ms / 1000}`);
      expect(names).toEqual('mqtt2 mqtt4 mqtt8 b4 b8 c4 c8 mqtt4 mqtt8'.split(' '));
    });
  });

  it('jitter: the delay is nominal x (1 + j(2r - 1)) from the drawn r (R14)', () => {
    const h = connecting(mongooseOptions, () => 0.9);
    refuse(h);
    expect(h.driver.getSnapshot().context.delayMs).toBeCloseTo(2000 * (1 + 0.1 * 0.8));
    h.tick(2159);
    expect(h.attempts()).toHaveLength(1);
    h.tick(1);
    expect(h.attempts()).toHaveLength(2);
  });

  it('the draw is an input: random.drawn is in the journal (R15)', () => {
    const h = connecting(mongooseOptions, () => 0.25);
    refuse(h);
    expect(h.journal.map((e) => e.event)).toContainEqual({ type: 'random.drawn', value: 0.25 });
  });

  it('mongoose profile: CONNACK resets the schedule, so a kicked client retries every 2 s (R17)', () => {
    const h = connecting(noJitter);
    for (let i = 0; i < 5; i++) {
      accept(h);
      h.send({ type: 'transport.closed' });
      expect(h.driver.getSnapshot().context.nominalMs).toBe(2000);
      h.tick(2000);
    }
  });

  it('default profile: a connection dropped before stableConnectionMs keeps escalating (R18)', () => {
    const h = connecting({ ...defaultOptions, jitter: 0 });
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      accept(h);
      h.tick(29_999);
      h.send({ type: 'transport.closed' });
      delays.push(h.driver.getSnapshot().context.nominalMs);
      h.tick(h.driver.getSnapshot().context.delayMs);
    }
    expect(delays).toEqual([2000, 4000, 8000, 16000, 32000, 60000]);
  });

  it('default profile: a connection up for stableConnectionMs resets the schedule (R18)', () => {
    const h = connecting({ ...defaultOptions, jitter: 0 });
    refuse(h);
    h.tick(2000);
    refuse(h);
    h.tick(4000);
    accept(h);
    h.tick(30_000);
    h.send({ type: 'mqtt.pingresp' });
    h.send({ type: 'transport.closed' });
    expect(h.driver.getSnapshot().context.nominalMs).toBe(2000);
  });

  it('a kick at max in the default profile fails over (no endless storm on one server)', () => {
    const h = createHarness(
      { servers: [server('mqtt', 2, 8), server('mqtt1', 2, 8)], options: { ...defaultOptions, jitter: 0 } },
      kind,
    );
    h.send({ type: 'client.connect' });
    const servers: number[] = [];
    for (let i = 0; i < 4; i++) {
      accept(h);
      h.send({ type: 'transport.closed' });
      h.tick(h.driver.getSnapshot().context.delayMs);
      servers.push(h.openServer() ?? -1);
    }
    expect(servers).toEqual([0, 0, 0, 1]);
  });

  it('CONNACK refused is a failed attempt with its return code (R11)', () => {
    const h = connecting(mongooseOptions);
    h.send({ type: 'transport.opened' });
    h.send({ type: 'mqtt.connack', returnCode: 4, sessionPresent: false });
    expect(h.value()).toEqual({ backoff: 'waiting' });
    expect(h.emitted).toContainEqual(
      expect.objectContaining({
        type: 'connect.error',
        error: expect.objectContaining({ code: 'CONNACK_REFUSED', returnCode: 4 }),
      }),
    );
    expect(h.emitted.some((e) => e.type === 'connected')).toBe(false);
  });

  it.each([1, 2, 4, 5])(
    "R81: onRefused 'stop': CONNACK return code %i enters stopped, reports the ConnackError's data and schedules nothing",
    (returnCode) => {
      const h = connecting({ ...defaultOptions, onRefused: 'stop' });
      h.send({ type: 'transport.opened' });
      h.send({ type: 'mqtt.connack', returnCode, sessionPresent: false });
      expect(h.value()).toBe('stopped');
      expect(h.effects.at(-1)).toBe('close');
      const refused = new ConnackError(returnCode).toData();
      expect(h.emitted.slice(-2)).toEqual([
        { type: 'connect.error', server: 'mqtt', serverIndex: 0, error: refused },
        { type: 'stopped', error: refused },
      ]);
      expect(refused.message).toBe(
        `connection refused: ${CONNACK_REASONS[returnCode]} (return code ${returnCode})`,
      );
      h.tick(3_600_000);
      expect(h.attempts()).toHaveLength(1);
      // The user resumes with connect(); a later disconnect reports no error.
      h.send({ type: 'client.connect' });
      expect(h.attempts()).toHaveLength(2);
      h.send({ type: 'client.disconnect' });
      expect(h.emitted.at(-1)).toEqual({ type: 'stopped', error: null });
    },
  );

  it("R81: return code 3 (server unavailable) is retried on the schedule even under onRefused 'stop'; 'retry' retries every code", () => {
    const stop = connecting({ ...defaultOptions, onRefused: 'stop' });
    stop.send({ type: 'transport.opened' });
    stop.send({ type: 'mqtt.connack', returnCode: 3, sessionPresent: false });
    expect(stop.value()).toEqual({ backoff: 'waiting' });
    const retry = connecting({ ...defaultOptions, onRefused: 'retry' });
    retry.send({ type: 'transport.opened' });
    retry.send({ type: 'mqtt.connack', returnCode: 5, sessionPresent: false });
    expect(retry.value()).toEqual({ backoff: 'waiting' });
    expect(retry.emitted.at(-2)).toMatchObject({
      type: 'connect.error',
      error: {
        code: 'CONNACK_REFUSED',
        returnCode: 5,
        message: 'connection refused: not authorized (return code 5)',
      },
    });
  });

  it('connect timeout: no CONNACK within connectTimeoutMs fails the attempt (R20)', () => {
    const h = connecting(defaultOptions);
    h.send({ type: 'transport.opened' });
    h.tick(29_999);
    expect(h.value()).toEqual({ online: { connecting: 'handshaking' } });
    h.tick(1);
    expect(h.value()).toEqual({ backoff: 'waiting' });
    expect(h.driver.getSnapshot().context.lastError?.code).toBe('CONNECT_TIMEOUT');
  });

  it('mongoose profile has no connect timeout (R20)', () => {
    const h = connecting(mongooseOptions);
    h.send({ type: 'transport.opened' });
    h.tick(3_600_000);
    expect(h.value()).toEqual({ online: { connecting: 'handshaking' } });
  });

  it('keep-alive: PINGREQ every keepAliveMs; a missing PINGRESP fails within 1.5x (R21-R22)', () => {
    const h = connecting(defaultOptions);
    accept(h);
    h.tick(60_000);
    expect(h.effects.filter((e) => e === 'pingreq')).toHaveLength(1);
    h.send({ type: 'mqtt.pingresp' });
    h.tick(60_000);
    expect(h.effects.filter((e) => e === 'pingreq')).toHaveLength(2);
    h.tick(29_999);
    expect(h.openServer()).toBe(0);
    h.tick(1);
    expect(h.openServer()).toBeNull();
    expect(h.emitted.at(-2)).toMatchObject({ type: 'disconnected', error: { code: 'PING_TIMEOUT' } });
  });

  it('mongoose profile: no PINGRESP timeout, pings go on (R22)', () => {
    const h = connecting(mongooseOptions);
    accept(h);
    // SimulatedClock fires one timer generation per increment, so step per keep-alive.
    for (let i = 0; i < 5; i++) h.tick(60_000);
    expect(h.openServer()).toBe(0);
    expect(h.effects.filter((e) => e === 'pingreq')).toHaveLength(5);
  });

  it('keepAliveMs 0 sends no PINGREQ (R21)', () => {
    const h = connecting({ ...defaultOptions, keepAliveMs: 0 });
    accept(h);
    h.tick(3_600_000);
    expect(h.effects).not.toContain('pingreq');
  });

  it('disconnect during backoff cancels the retry: Mongoose bug 1.11 is impossible (R23)', () => {
    const h = connecting(mongooseOptions);
    refuse(h);
    h.send({ type: 'client.disconnect' });
    h.tick(3_600_000);
    expect(h.attempts()).toHaveLength(1);
    expect(h.value()).toBe('stopped');
    h.send({ type: 'net.up' });
    expect(h.attempts()).toHaveLength(1);
    h.send({ type: 'client.connect' });
    expect(h.attempts()).toHaveLength(2);
  });

  it('disconnect while connected writes DISCONNECT before closing (R24)', () => {
    const h = connecting(defaultOptions);
    accept(h);
    h.send({ type: 'client.disconnect' });
    expect(h.effects.slice(-3)).toEqual(['sessionDown', 'disconnect', 'close']);
    expect(h.emitted.slice(-2)).toEqual([
      { type: 'disconnected', server: 'mqtt', serverIndex: 0, error: null },
      { type: 'stopped', error: null },
    ]);
  });

  it('connect after disconnect starts over on the first server (R19, R25)', () => {
    const h = createHarness(
      { servers: [server('mqtt', 2, 4), server('mqtt1', 2, 4)], options: noJitter },
      kind,
    );
    refusedSchedule(h, 3);
    expect(h.openServer()).toBe(1);
    h.send({ type: 'client.disconnect' });
    h.send({ type: 'client.connect' });
    expect(h.openServer()).toBe(0);
    refuse(h);
    expect(h.driver.getSnapshot().context.nominalMs).toBe(2000);
  });

  it('reconfigure while connected reconnects with the new configuration: Mongoose bug 1.12 is impossible (R26)', () => {
    const h = connecting(defaultOptions);
    accept(h);
    h.send({ type: 'client.configure', servers: [server('mqtt', 5, 10)], options: defaultOptions });
    expect(h.effects.slice(-4)).toEqual(['sessionDown', 'disconnect', 'close', 'open:0']);
    expect(h.value()).toEqual({ online: { connecting: 'opening' } });
    expect(h.emitted.filter((e) => e.type === 'disconnected')).toHaveLength(1);
    refuse(h);
    expect(h.driver.getSnapshot().context.nominalMs).toBe(5000);
  });

  it('holds new publishes behind the replay: delivery is replaying until session.drained, then ready (R34)', () => {
    const h = connecting(noJitter);
    accept(h, true);
    expect(h.driver.getSnapshot().matches({ online: { connected: { delivery: 'replaying' } } })).toBe(true);
    expect(h.emitted.filter((e) => e.type === 'ready')).toHaveLength(0);
    h.send({ type: 'session.drained' });
    expect(h.driver.getSnapshot().matches({ online: { connected: { delivery: 'ready' } } })).toBe(true);
    expect(h.emitted.filter((e) => e.type === 'ready')).toHaveLength(1);
  });

  it('emits Mongoose-style lifecycle events in order; connected carries server and sessionPresent (R29, R30, R31, R33)', () => {
    const h = connecting(noJitter);
    refuse(h);
    h.tick(2000);
    accept(h, true);
    h.send({ type: 'session.drained' });
    h.send({ type: 'transport.closed' });
    expect(h.emitted.map((e) => e.type)).toEqual([
      'connecting',
      'connect.error',
      'backoff',
      'connecting',
      'connected',
      'ready',
      'disconnected',
      'backoff',
    ]);
    expect(h.emitted[4]).toEqual({ type: 'connected', server: 'mqtt', serverIndex: 0, sessionPresent: true });
  });

  it('disconnected only when a session that was up ends, with a null error when the user asked for it (R32)', () => {
    const h = connecting(noJitter);
    refuse(h); // an attempt that never had a session: connect.error, not disconnected
    expect(h.emitted.filter((e) => e.type === 'disconnected')).toHaveLength(0);
    h.tick(2000);
    accept(h);
    h.send({ type: 'transport.closed' });
    const dropped = h.emitted.filter((e) => e.type === 'disconnected');
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toMatchObject({ error: { code: 'TRANSPORT_CLOSED' } });
    h.send({ type: 'client.connect' });
    accept(h);
    h.send({ type: 'client.disconnect' });
    const byUser = h.emitted.filter((e) => e.type === 'disconnected');
    expect(byUser).toHaveLength(2);
    expect(byUser[1]).toMatchObject({ error: null });
  });

  it('connect.error names the server that failed, backoff the server it will retry (R30, R33)', () => {
    const h = createHarness(
      { servers: [server('mqtt', 2, 2), server('mqtt1', 2, 2)], options: noJitter },
      kind,
    );
    h.send({ type: 'client.connect' });
    refuse(h);
    h.tick(2000);
    refuse(h);
    const named = h.emitted.flatMap((e) =>
      e.type === 'connect.error' || e.type === 'backoff' ? [`${e.type}:${e.server}`] : [],
    );
    expect(named).toEqual(['connect.error:mqtt', 'backoff:mqtt', 'connect.error:mqtt', 'backoff:mqtt1']);
  });

  it('client.connect while online is a no-op; in backoff it attempts at once (R6-R7)', () => {
    const h = connecting(mongooseOptions);
    h.send({ type: 'client.connect' });
    expect(h.attempts()).toHaveLength(1);
    refuse(h);
    h.send({ type: 'net.up' });
    expect(h.attempts()).toHaveLength(2);
  });

  it('never opens two transports (R27)', () => {
    const h = createHarness(
      { servers: [server('mqtt', 2, 60), server('mqtt1', 2, 60)], options: defaultOptions },
      kind,
    );
    refusedSchedule(h, 12);
    accept(h);
    h.send({ type: 'client.configure', servers: [server('mqtt', 2, 60)], options: defaultOptions });
    h.send({ type: 'transport.opened' });
    h.send({ type: 'mqtt.error', error: { code: 'PROTOCOL_ERROR', message: 'x' } });
    h.send({ type: 'client.connect' });
    expect(h.violations).toEqual([]);
  });
});

describe('machine structure (R45)', () => {
  it('every after delay names a declared delay', () => {
    expect(unknownDelays(connectionMachine)).toEqual([]);
  });
});

describe('the checked-in diagram (docs/statechart.*)', () => {
  it('equals what the machine generates (run `npm run diagram` after changing the machine)', () => {
    for (const [path, content] of Object.entries(diagramFiles(connectionMachine))) {
      expect(readFileSync(new URL(`../${path}`, import.meta.url), 'utf8'), path).toBe(content);
    }
  });
});

describe('per-server keep alive (Mongoose mqtt1.keep_alive)', () => {
  it('pings at the current server own keep alive, else the client-wide one', () => {
    const servers = [
      server('mqtt', 2, 2),
      { ...server('mqtt1', 2, 2), keepAliveMs: 10_000, pingTimeoutMs: 5000 },
    ];
    const h = createHarness({ servers, options: { ...defaultOptions, jitter: 0 } });
    h.send({ type: 'client.connect' });
    refuse(h);
    h.tick(2000);
    refuse(h);
    h.tick(4000);
    expect(h.openServer()).toBe(1);
    accept(h);
    h.tick(10_000);
    expect(h.effects.filter((e) => e === 'pingreq')).toHaveLength(1);
    h.tick(5000);
    expect(h.driver.getSnapshot().context.lastError?.code).toBe('PING_TIMEOUT');
  });
});
