/**
 * The CONNACK refusal table of both versions (spec R81, R242): every MQTT 5 CONNACK reason code
 * of refusal has a decision in the one table the statechart's v5 decisions use (`v5.ts`, R260),
 * the runtime names it in the error's message, and the statechart stops or retries by it.
 */
import { describe, expect, it } from 'vitest';
import { REASON_CODES, serverMaySend } from '../protocol/v5/reasonCodes.js';
import { refusal } from '../runtime/profileV5.js';
import { createHarness, defaultOptions, server } from '../test/support/lifecycleHarness.js';
import type { ConnectionEvent, LifecycleOptions } from './events.js';
import { CONNACK_FINAL, connackDecision } from './v5.js';

/** The CONNACK refusals of the MQTT 5 codec's table. */
const V5_REFUSALS = REASON_CODES.filter((r) => r.code >= 0x80 && serverMaySend('CONNACK', r.code));

/** The codes the spec's table of R242 says stop under `onRefused: 'stop'`. */
const FINAL = [0x81, 0x82, 0x84, 0x85, 0x86, 0x87, 0x8a, 0x8c, 0x90, 0x95, 0x99, 0x9a, 0x9b];

describe('CONNACK refusals (R81, R242)', () => {
  it('R242: every MQTT 5 CONNACK refusal of the standard gets a message naming it and its code', () => {
    expect(V5_REFUSALS.length).toBe(21);
    for (const r of V5_REFUSALS) {
      const hex = `0x${r.code.toString(16).toUpperCase()}`;
      expect(refusal(r.code)).toBe(`connection refused: ${r.name} (reason code ${hex})`);
    }
  });

  it('R242, R260: the refusals are the ones the spec table lists; the rest retry, back off, or (without a reference) retry', () => {
    const final = V5_REFUSALS.filter((r) => connackDecision(r.code) === 'refuse').map((r) => r.code);
    expect(final).toEqual(FINAL);
    expect([...CONNACK_FINAL].sort((a, b) => a - b)).toEqual(FINAL);
    for (const code of [0x80, 0x83, 0x88, 0x9c, 0x9d]) expect(connackDecision(code)).toBe('retry');
    for (const code of [0x89, 0x97, 0x9f]) expect(connackDecision(code)).toBe('backoff');
    expect(connackDecision(0x9d, ['ref-1'])).toBe('redirect');
  });

  const refusedWith = (event: ConnectionEvent, onRefused: LifecycleOptions['onRefused']) => {
    const h = createHarness(
      { servers: [server('mqtt', 2, 60)], options: { ...defaultOptions, onRefused } },
      'step',
    );
    h.send({ type: 'client.connect' });
    h.send({ type: 'transport.opened' });
    h.send(event);
    return h;
  };

  it('R81: the 3.1.1 return codes keep their verdicts: 3 (server unavailable) retries, the others stop', () => {
    const values = [1, 2, 3, 4, 5].map(
      (returnCode) =>
        refusedWith({ type: 'mqtt.connack', returnCode, sessionPresent: false }, 'stop').value() as unknown,
    );
    expect(values).toEqual(['stopped', 'stopped', { backoff: 'waiting' }, 'stopped', 'stopped']);
  });

  it.each(V5_REFUSALS.map((r) => [`0x${r.code.toString(16)}`, r.code, r.name] as const))(
    "R242: under onRefused 'stop', CONNACK %s stops or backs off by the table; under 'retry' it backs off",
    (_hex, code) => {
      const error = { code: 'CONNACK_REFUSED' as const, returnCode: code, message: refusal(code) };
      const event: ConnectionEvent = {
        type: 'mqtt5.connack',
        reasonCode: code,
        sessionPresent: false,
        error,
      };
      const stop = refusedWith(event, 'stop');
      expect(stop.value()).toEqual(FINAL.includes(code) ? 'stopped' : { backoff: 'waiting' });
      expect(stop.emitted).toContainEqual(expect.objectContaining({ type: 'connect.error', error }));
      expect(refusedWith(event, 'retry').value()).toEqual({ backoff: 'waiting' });
    },
  );
});
