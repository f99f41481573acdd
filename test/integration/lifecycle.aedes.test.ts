/**
 * The statechart over real sockets against embedded aedes brokers, with short real intervals
 * (tens to hundreds of ms): reconnect gaps, failover, a kicking broker, refused credentials.
 */
import { describe, expect, it } from 'vitest';
import { ConnackError } from '../../errors.js';
import { freePort } from '../support/brokers.js';
import { recordEvents, waitForEvent } from '../support/events.js';
import { useResources } from '../support/integration.js';

/** Timer slack we accept on a loaded 2-core machine: the gap may be late, never early. */
const LATE_MS = 120;
const EARLY_MS = 5;

const { aedes, lifecycleClient: client } = useResources();

/**
 * A server entry for two clients that share `clientId`, so the broker kicks one whenever the other
 * connects; a max delay well above the min leaves room for the schedule to escalate.
 */
const sharedIdServer = (port: number, clientId: string) => ({
  host: '127.0.0.1',
  port,
  clientId,
  minDelayMs: 20,
  maxDelayMs: 160,
});

const gaps = (events: { type: string; at: number }[]): number[] => {
  const starts = events.filter((e) => e.type === 'connecting').map((e) => e.at);
  return starts.slice(1).map((at, i) => at - (starts[i] as number));
};

describe('lifecycle against aedes', () => {
  it('connects, and after the broker is killed retries on the spec schedule (R12)', async () => {
    const broker = await aedes();
    const c = client({
      servers: [{ host: '127.0.0.1', port: broker.port, minDelayMs: 40, maxDelayMs: 160 }],
      profile: 'mongoose',
    });
    c.connect();
    await waitForEvent(c, (e) => e.type === 'connected');
    expect(c.isConnected()).toBe(true);
    const events = recordEvents(c);
    await broker.close();
    await waitForEvent(c, (e) => e.type === 'connecting', { count: 6 });
    // Mongoose profile: CONNACK reset t to 0, so t: 0 -> 1000 -> clamp(2000, 40, 160) = 160, then max.
    const measured = gaps(events);
    const nominal = [160, 160, 160, 160, 160];
    expect(measured).toHaveLength(nominal.length);
    measured.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual((nominal[i] as number) - EARLY_MS);
      expect(gap).toBeLessThanOrEqual((nominal[i] as number) + LATE_MS);
    });
    expect(events.find((e) => e.type === 'disconnected')).toMatchObject({
      error: { code: 'TRANSPORT_CLOSED' },
    });
  });

  it('a refused TCP connect is a connect.error, retried at clamp(2 s, min, max) (R12, R30)', async () => {
    const port = await freePort();
    const c = client({
      servers: [{ host: '127.0.0.1', port, minDelayMs: 20, maxDelayMs: 160 }],
      profile: 'mongoose',
    });
    c.connect();
    const events = recordEvents(c);
    await waitForEvent(c, (e) => e.type === 'connecting', { count: 6 });
    // t starts at 1000 ms, so the first nominal is clamp(2000, 20, 160): the max at once.
    for (const gap of gaps(events)) expect(gap).toBeGreaterThanOrEqual(160 - EARLY_MS);
    expect(
      events
        .filter((e) => e.type === 'connect.error')
        .every((e) => e.type === 'connect.error' && e.error.code === 'TRANSPORT_ERROR'),
    ).toBe(true);
  });

  it('measured gaps double from 2 x min after a failover (R12, R13)', async () => {
    // t starts at 1000 ms, so below 2 s the first server's delays are all at max; a failover
    // restarts t at the backup's min, which shows the doubling at test speed.
    const port = await freePort();
    const c = client({
      servers: [
        { host: '127.0.0.1', port, minDelayMs: 100, maxDelayMs: 100 },
        { host: '127.0.0.1', port, minDelayMs: 25, maxDelayMs: 200 },
      ],
      profile: 'mongoose',
    });
    const events = recordEvents(c);
    c.connect();
    await waitForEvent(c, (e) => e.type === 'connecting', { count: 7 });
    // P(now) P100 (at max: switch) -> B50 B100 B200 (at max: switch) -> P100 (at max: switch) -> B50.
    const nominal = [100, 50, 100, 200, 100, 50];
    const servers = events
      .filter((e) => e.type === 'connecting')
      .map((e) => (e.type === 'connecting' ? e.server : ''));
    expect(servers.slice(0, 7)).toEqual(['mqtt', 'mqtt', 'mqtt1', 'mqtt1', 'mqtt1', 'mqtt', 'mqtt1']);
    gaps(events)
      .slice(0, nominal.length)
      .forEach((gap, i) => {
        expect(gap).toBeGreaterThanOrEqual((nominal[i] as number) - EARLY_MS);
        expect(gap).toBeLessThanOrEqual((nominal[i] as number) + LATE_MS);
      });
  });

  it('fails over to the backup when the primary is down, and stays there (R13)', async () => {
    const port = await freePort();
    const backup = await aedes();
    const c = client({
      servers: [
        { host: '127.0.0.1', port, minDelayMs: 10, maxDelayMs: 40 },
        { host: '127.0.0.1', port: backup.port, minDelayMs: 10, maxDelayMs: 40 },
      ],
    });
    c.connect();
    const connected = await waitForEvent(c, (e) => e.type === 'connected');
    expect(connected).toMatchObject({ server: 'mqtt1' });
    // Sticky: a drop on the backup reconnects to the backup.
    await aedes({ port });
    await backup.close();
    await aedes({ port: backup.port });
    const next = await waitForEvent(c, (e) => e.type === 'connected');
    expect(next).toMatchObject({ server: 'mqtt1' });
  });

  it('both down, then the primary comes back: it connects to the primary (R13)', async () => {
    const [p, b] = [await freePort(), await freePort()];
    const c = client({
      servers: [
        { host: '127.0.0.1', port: p, minDelayMs: 10, maxDelayMs: 40 },
        { host: '127.0.0.1', port: b, minDelayMs: 10, maxDelayMs: 40 },
      ],
    });
    const events = recordEvents(c);
    c.connect();
    await waitForEvent(c, (e) => e.type === 'connecting' && e.server === 'mqtt1', { count: 2 });
    await aedes({ port: p });
    const connected = await waitForEvent(c, (e) => e.type === 'connected');
    expect(connected).toMatchObject({ server: 'mqtt' });
    expect(events.some((e) => e.type === 'backoff' && e.switched)).toBe(true);
  });

  it('a broker that accepts then kicks (duplicate client id) causes no storm in the default profile (R18)', async () => {
    const broker = await aedes();
    const backup = await aedes();
    const server = sharedIdServer(broker.port, 'same-id');
    const victim = client({ servers: [server, { ...server, port: backup.port }] });
    const rival = client({ servers: [server] });
    const events = recordEvents(victim);
    victim.connect();
    await waitForEvent(victim, (e) => e.type === 'connected');
    rival.connect();
    // Kicks do not reset the schedule: the victim escalates to max, and the next kick fails over.
    await waitForEvent(victim, (e) => e.type === 'connected' && e.server === 'mqtt1', { timeoutMs: 8000 });
    const backoffs = events.flatMap((e) => (e.type === 'backoff' ? [`${e.server}:${e.nominalMs}`] : []));
    expect(backoffs[0]).toBe('mqtt:160');
    expect(backoffs.at(-1)).toBe('mqtt1:40');
    expect(backoffs.length).toBeLessThanOrEqual(3);
  });

  it('the mongoose profile reproduces the kick storm: every retry at clamp(2 s) (R17)', async () => {
    const broker = await aedes();
    const server = sharedIdServer(broker.port, 'same-id-m');
    const victim = client({ servers: [server], profile: 'mongoose' });
    const rival = client({ servers: [server], profile: 'mongoose' });
    const events = recordEvents(victim);
    victim.connect();
    await waitForEvent(victim, (e) => e.type === 'connected');
    rival.connect();
    await waitForEvent(victim, (e) => e.type === 'backoff', { count: 3, timeoutMs: 8000 });
    const backoffs = events.flatMap((e) => (e.type === 'backoff' ? [e.nominalMs] : []));
    expect(backoffs.slice(0, 3)).toEqual([160, 160, 160]);
  });

  it("a refused CONNACK (bad credentials) is a failed attempt (R11); with onRefused 'retry' it is retried", async () => {
    const broker = await aedes({
      aedes: {
        authenticate: (_client, username, password, done) =>
          done(null, username === 'alice' && password?.toString() === 'secret'),
      },
    });
    const c = client({
      onRefused: 'retry',
      servers: [
        {
          host: '127.0.0.1',
          port: broker.port,
          username: 'alice',
          password: 'wrong',
          minDelayMs: 20,
          maxDelayMs: 40,
        },
      ],
    });
    c.connect();
    const error = await waitForEvent(c, (e) => e.type === 'connect.error');
    expect(error).toMatchObject({ error: { code: 'CONNACK_REFUSED', returnCode: 5 } });
    await waitForEvent(c, (e) => e.type === 'connecting');
    expect(c.isConnected()).toBe(false);
  });

  it('R80, R81: by default a refused CONNACK (bad credentials) stops the client: await connect() rejects with ConnackError naming the return code, and no attempt follows', async () => {
    const broker = await aedes({
      aedes: {
        authenticate: (_client, username, password, done) =>
          done(null, username === 'alice' && password?.toString() === 'secret'),
      },
    });
    const c = client({
      servers: [
        { host: '127.0.0.1', port: broker.port, username: 'alice', password: 'wrong', minDelayMs: 20 },
      ],
    });
    const events = recordEvents(c);
    const error = await c.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnackError);
    expect(error).toMatchObject({ code: 'CONNACK_REFUSED', returnCode: 5 });
    expect((error as Error).message).toBe('connection refused: not authorized (return code 5)');
    expect(c.state).toBe('stopped');
    expect(events.at(-1)).toMatchObject({
      type: 'stopped',
      error: { code: 'CONNACK_REFUSED', returnCode: 5 },
    });
    // `stopped` holds no timer (R23): the machine tests prove no attempt follows, under a simulated hour.
    expect(events.filter((e) => e.type === 'connecting')).toHaveLength(1);
    // With the right password, connect() starts over and resolves on the session.
    c.configure({
      servers: [{ host: '127.0.0.1', port: broker.port, username: 'alice', password: 'secret' }],
    });
    await c.connect();
    expect(c.isConnected()).toBe(true);
  });

  it('disconnect cancels everything: no attempt afterwards (R23)', async () => {
    const port = await freePort();
    const c = client({ servers: [{ host: '127.0.0.1', port, minDelayMs: 10, maxDelayMs: 10 }] });
    const events = recordEvents(c);
    c.connect();
    await waitForEvent(c, (e) => e.type === 'backoff');
    await c.disconnect();
    const attempts = events.filter((e) => e.type === 'connecting').length;
    // Had the retry survived, it would fire within 10 ms; a broker now listening would see it.
    const broker = await aedes({ port });
    const c2 = client({ servers: [{ host: '127.0.0.1', port: broker.port }] });
    c2.connect();
    await waitForEvent(c2, (e) => e.type === 'connected');
    expect(events.filter((e) => e.type === 'connecting')).toHaveLength(attempts);
    expect(c.state).toBe('stopped');
  });

  it('reconfiguring while connected reconnects to the new server: Mongoose bug 1.12 is impossible (R26)', async () => {
    const first = await aedes();
    const second = await aedes();
    const c = client({ servers: [{ host: '127.0.0.1', port: first.port }] });
    c.connect();
    await waitForEvent(c, (e) => e.type === 'connected');
    const events = recordEvents(c);
    c.configure({ servers: [{ name: 'moved', host: '127.0.0.1', port: second.port }] });
    await waitForEvent(c, (e) => e.type === 'connected');
    expect(events.map((e) => e.type)).toEqual(['disconnected', 'connecting', 'connected', 'ready']);
    expect(events[2]).toMatchObject({ server: 'moved' });
    expect(c.isConnected()).toBe(true);
    expect(second.broker.connectedClients).toBe(1);
  });

  it('a bad reconfiguration throws a typed error and changes nothing', async () => {
    const broker = await aedes();
    const c = client({ servers: [{ host: '127.0.0.1', port: broker.port }] });
    c.connect();
    await waitForEvent(c, (e) => e.type === 'connected');
    expect(() => c.configure({ servers: [{ host: '127.0.0.1', port: 70000 }] })).toThrow(
      /servers\[0\]\.port/,
    );
    expect(c.isConnected()).toBe(true);
    expect(c.servers[0]?.port).toBe(broker.port);
  });
});
