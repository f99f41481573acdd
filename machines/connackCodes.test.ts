/**
 * The CONNACK refusal table of both versions (spec R81, R242): every MQTT 5 CONNACK reason code
 * of refusal has a verdict and a name, and the statechart stops or retries by it.
 */
import { describe, expect, it } from 'vitest';
import { REASON_CODES, serverMaySend } from '../protocol/v5/reasonCodes.js';
import { createHarness, defaultOptions, server } from '../test/support/lifecycleHarness.js';
import { connackMessage, connackVerdict } from './connackCodes.js';
import type { LifecycleOptions } from './events.js';

/** The CONNACK refusals of the MQTT 5 codec's table. */
const V5_REFUSALS = REASON_CODES.filter((r) => r.code >= 0x80 && serverMaySend('CONNACK', r.code));

/** The codes the spec's table of R242 says stop under `onRefused: 'stop'`. */
const FINAL = [0x81, 0x82, 0x84, 0x85, 0x86, 0x87, 0x8a, 0x8c, 0x90, 0x95, 0x99, 0x9a, 0x9b];

describe('CONNACK refusals (R81, R242)', () => {
  it('R242: every MQTT 5 CONNACK refusal of the standard gets a message naming it and its code', () => {
    expect(V5_REFUSALS.length).toBe(21);
    for (const r of V5_REFUSALS) {
      const hex = `0x${r.code.toString(16).toUpperCase()}`;
      expect(connackMessage(r.code, r.name)).toBe(`connection refused: ${r.name} (reason code ${hex})`);
    }
  });

  it('R242: the final ones are those the spec table lists; the rest (server state, redirects) retry', () => {
    const final = V5_REFUSALS.filter((r) => connackVerdict(r.code) === 'final').map((r) => r.code);
    expect(final).toEqual(FINAL);
    for (const code of [0x80, 0x83, 0x88, 0x89, 0x97, 0x9c, 0x9d, 0x9f])
      expect(connackVerdict(code)).toBe('retry');
  });

  it('R81: the 3.1.1 return codes keep their verdicts, and name themselves (no message from the table)', () => {
    expect([1, 2, 3, 4, 5].map(connackVerdict)).toEqual(['final', 'final', 'retry', 'final', 'final']);
    expect(connackMessage(4, undefined)).toBeUndefined();
  });

  const refusedWith = (returnCode: number, onRefused: LifecycleOptions['onRefused'], reason?: string) => {
    const h = createHarness(
      { servers: [server('mqtt', 2, 60)], options: { ...defaultOptions, onRefused } },
      'step',
    );
    h.send({ type: 'client.connect' });
    h.send({ type: 'transport.opened' });
    h.send(
      reason === undefined
        ? { type: 'mqtt.connack', returnCode, sessionPresent: false }
        : { type: 'mqtt.connack', returnCode, sessionPresent: false, reason },
    );
    return h;
  };

  it.each(V5_REFUSALS.map((r) => [`0x${r.code.toString(16)}`, r.code, r.name] as const))(
    "R242: under onRefused 'stop', CONNACK %s stops or backs off by the table; under 'retry' it backs off",
    (_hex, code, name) => {
      const stop = refusedWith(code, 'stop', name);
      expect(stop.value()).toEqual(FINAL.includes(code) ? 'stopped' : { backoff: 'waiting' });
      expect(stop.emitted).toContainEqual(
        expect.objectContaining({
          type: 'connect.error',
          error: { code: 'CONNACK_REFUSED', returnCode: code, message: connackMessage(code, name) },
        }),
      );
      expect(refusedWith(code, 'retry').value()).toEqual({ backoff: 'waiting' });
    },
  );
});
