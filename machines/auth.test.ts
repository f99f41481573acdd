/**
 * Enhanced authentication on the statechart (spec R310-R317): the states an exchange goes
 * through, the effects it asks of the runtime, and journals of the machine versions before it.
 */
import { describe, expect, it } from 'vitest';
import { createHarness, type DriverKind, defaultOptions, server } from '../test/support/lifecycleHarness.js';
import { MACHINE_VERSION } from './connection.js';
import type { ConnectionEvent, ConnectionInput } from './events.js';
import { checkReplay, journalHeader } from './journal.js';

const input: ConnectionInput = {
  servers: [server('mqtt', 2, 60)],
  options: { ...defaultOptions, jitter: 0, onRefused: 'stop' },
};
const auth = (reasonCode: number): ConnectionEvent => ({ type: 'mqtt5.auth', reasonCode });

describe.each<DriverKind>(['actor', 'step', 'chart'])('enhanced authentication (%s driver)', (kind) => {
  it('R310, R311, R312: CONNECT -> AUTH 0x18 x2 -> CONNACK: authenticating, two answers, counted, then connected', () => {
    const h = createHarness(input, kind);
    h.send({ type: 'client.connect' });
    h.send({ type: 'transport.opened' });
    h.send(auth(0x18));
    expect(h.value()).toEqual({ online: { connecting: 'authenticating' } });
    h.send(auth(0x18));
    expect(h.effects.filter((e) => e === 'answerAuth')).toHaveLength(2);
    expect(h.driver.getSnapshot().context.authSteps).toBe(2);
    // R311: AUTH 0x00 is no CONNACK: still authenticating.
    h.send(auth(0x00));
    expect(h.value()).toEqual({ online: { connecting: 'authenticating' } });
    h.send({ type: 'mqtt5.connack', reasonCode: 0, sessionPresent: false });
    expect(h.driver.getSnapshot().matches({ online: { connected: { auth: 'idle' } } })).toBe(true);
  });

  it("R311, R315: CONNACK 0x86 in authenticating stops under onRefused 'stop'", () => {
    const h = createHarness(input, kind);
    h.send({ type: 'client.connect' });
    h.send({ type: 'transport.opened' });
    h.send(auth(0x18));
    h.send({ type: 'mqtt5.connack', reasonCode: 0x86, sessionPresent: false });
    expect(h.value()).toBe('stopped');
  });

  it('R313, R314: re-authentication: sendReauth, answers, AUTH 0x00 back to idle, the session never left', () => {
    const h = createHarness(input, kind);
    h.send({ type: 'client.connect' });
    h.send({ type: 'transport.opened' });
    h.send({ type: 'mqtt5.connack', reasonCode: 0, sessionPresent: false });
    const before = h.effects.length;
    h.send({ type: 'client.reauthenticate' });
    h.send({ type: 'client.reauthenticate' });
    h.send(auth(0x18));
    expect(h.driver.getSnapshot().matches({ online: { connected: { auth: 'reauthenticating' } } })).toBe(
      true,
    );
    h.send(auth(0x00));
    expect(h.driver.getSnapshot().matches({ online: { connected: { auth: 'idle' } } })).toBe(true);
    expect(h.effects.slice(before)).toEqual(['sendReauth', 'answerAuth']);
  });

  it("R315: DISCONNECT 0x87 during re-authentication stops under 'stop'; 0x87 outside an exchange is a drop", () => {
    const h = createHarness(input, kind);
    h.send({ type: 'client.connect' });
    h.send({ type: 'transport.opened' });
    h.send({ type: 'mqtt5.connack', reasonCode: 0, sessionPresent: false });
    h.send({ type: 'mqtt5.disconnect', reasonCode: 0x87 });
    expect(h.value()).toMatchObject({ backoff: expect.anything() });
    h.tick(10_000);
    h.send({ type: 'transport.opened' });
    h.send({ type: 'mqtt5.connack', reasonCode: 0, sessionPresent: false });
    h.send({ type: 'client.reauthenticate' });
    h.send({ type: 'mqtt5.disconnect', reasonCode: 0x87 });
    expect(h.value()).toBe('stopped');
    // The runtime's ServerDisconnectError when it sent one; here the machine's generic error.
    expect(h.emitted.at(-1)).toMatchObject({
      type: 'stopped',
      error: { message: expect.stringContaining('0x87') },
    });
  });
});

describe('journals of earlier machine versions (R317)', () => {
  const entries = [
    {
      seq: 1,
      at: 0,
      event: { type: 'client.connect' as const },
      state: { online: { connecting: 'opening' } },
    },
    {
      seq: 2,
      at: 1,
      event: { type: 'transport.opened' as const },
      state: { online: { connecting: 'handshaking' } },
    },
    {
      seq: 3,
      at: 2,
      event: { type: 'mqtt.connack' as const, returnCode: 0, sessionPresent: false },
      // As machine version 3 recorded it: no auth region.
      state: {
        online: { connected: { keepalive: 'waiting', stability: 'settling', delivery: 'replaying' } },
      },
    },
  ];

  it('R317: a version 3 journal, recorded without the auth region, replays with no mismatch', () => {
    expect(MACHINE_VERSION).toBe(4);
    const journal = { header: { ...journalHeader(input), machineVersion: 3 }, entries };
    const checked = checkReplay(journal);
    expect(checked.checked).toBe(3);
    expect(checked.mismatch).toBeNull();
  });

  it('R317: the same recorded state in a version 4 journal is a mismatch: the region is left out for older versions only', () => {
    const checked = checkReplay({ header: journalHeader(input), entries });
    expect(checked.mismatch).toMatchObject({ seq: 3 });
  });
});
