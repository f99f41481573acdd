/**
 * The statechart against a real mosquitto (installed by .ci/run; in CI its absence fails the run):
 * a frozen broker is noticed by the PINGRESP timeout, a restarted one is reconnected to.
 */
import { describe, expect, it } from 'vitest';
import { LifecycleClient } from '../../adapters/node.js';
import { ConnackError } from '../../errors.js';
import { haveMosquitto } from '../support/brokers.js';
import { recordEvents, waitForEvent } from '../support/events.js';
import { useResources } from '../support/integration.js';

const { mosquitto, own, checked } = useResources();

describe.runIf(haveMosquitto)('lifecycle against mosquitto', () => {
  it('a frozen broker (SIGSTOP) is detected by the PINGRESP timeout within 1.5 x keep alive (R22)', async () => {
    const broker = await mosquitto();
    const c = own(
      new LifecycleClient(
        checked({
          servers: [{ host: '127.0.0.1', port: broker.port, minDelayMs: 50, maxDelayMs: 100 }],
          keepAliveSec: 1,
          pingTimeoutMs: 500,
          jitter: 0,
        }),
      ),
    );
    c.connect();
    await waitForEvent(c, (e) => e.type === 'connected');
    const events = recordEvents(c);
    const frozenAt = performance.now();
    broker.freeze();
    const lost = await waitForEvent(c, (e) => e.type === 'disconnected', { timeoutMs: 4000 });
    const elapsed = performance.now() - frozenAt;
    expect(lost).toMatchObject({ error: { code: 'PING_TIMEOUT' } });
    // Keep alive 1 s + ping timeout 0.5 s after the last PINGRESP; freezing happened after it.
    expect(elapsed).toBeLessThanOrEqual(1500 + 300);
    expect(events.some((e) => e.type === 'connected')).toBe(false);
    broker.thaw();
    await waitForEvent(c, (e) => e.type === 'connected', { timeoutMs: 4000 });
  });

  it('the mongoose profile has no PINGRESP timeout: a frozen broker goes unnoticed (R22)', async () => {
    const broker = await mosquitto();
    const c = own(
      new LifecycleClient(
        checked({
          servers: [{ host: '127.0.0.1', port: broker.port }],
          profile: 'mongoose',
          keepAliveSec: 1,
        }),
      ),
    );
    c.connect();
    await waitForEvent(c, (e) => e.type === 'connected');
    broker.freeze();
    // Three keep-alive periods pass with PINGREQs unanswered; the client still believes it is up.
    await expect(waitForEvent(c, (e) => e.type === 'disconnected', { timeoutMs: 3000 })).rejects.toThrow(
      /timed out/,
    );
    expect(c.isConnected()).toBe(true);
  });

  it('reconnects after the broker restarts, and a refused login counts as a failure (R11, R16)', async () => {
    const broker = await mosquitto({ passwords: { alice: 'secret' } });
    const c = own(
      new LifecycleClient(
        checked({
          servers: [
            {
              host: '127.0.0.1',
              port: broker.port,
              username: 'alice',
              password: 'secret',
              minDelayMs: 50,
              maxDelayMs: 100,
            },
          ],
          jitter: 0,
        }),
      ),
    );
    c.connect();
    await waitForEvent(c, (e) => e.type === 'connected');
    await broker.kill();
    await waitForEvent(c, (e) => e.type === 'connect.error');
    await broker.restart();
    await waitForEvent(c, (e) => e.type === 'connected', { timeoutMs: 4000 });

    const intruder = own(
      new LifecycleClient(
        checked({
          servers: [
            {
              host: '127.0.0.1',
              port: broker.port,
              username: 'alice',
              password: 'nope',
              minDelayMs: 50,
              maxDelayMs: 100,
            },
          ],
        }),
      ),
    );
    const refused = waitForEvent(intruder, (e) => e.type === 'connect.error');
    // R80, R81: the default onRefused 'stop' makes the refusal final, so connect() rejects with it.
    const error = await intruder.connect().catch((e: unknown) => e);
    expect(await refused).toMatchObject({ error: { code: 'CONNACK_REFUSED' } });
    expect(error).toBeInstanceOf(ConnackError);
    expect((error as ConnackError).message).toMatch(
      /^connection refused: (bad user name or password|not authorized) \(return code [45]\)$/,
    );
    expect(intruder.state).toBe('stopped');
  });
});
