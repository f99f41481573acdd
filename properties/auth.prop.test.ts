/**
 * Enhanced authentication in the statechart (spec R310-R317) as properties over random runs that
 * mix the lifecycle inputs with broker AUTH (0x18 continue, 0x00 success), authenticating
 * CONNACKs and DISCONNECTs, and the user's re-authentication: no session without an accepting
 * CONNACK, re-authentication never drops the session, and journals with these events replay.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ConnectionEvent, ConnectionInput } from '../machines/events.js';
import { createHarness, type DriverKind } from '../test/support/lifecycleHarness.js';
import { expectReplaysToLive, runOnBothDrivers } from './agreement.js';
import {
  applyCommand,
  type Command,
  coarse,
  commandArb,
  cyclicRandom,
  drawsArb,
  inputArb,
  kindArb,
  numRuns,
} from './arbitraries.js';
import { authEventArb } from './v5Arbitraries.js';

type AuthCommand = Command | { c: 'ev'; event: ConnectionEvent };

const ev = (event: ConnectionEvent): AuthCommand => ({ c: 'ev', event });

const authCommandArb: fc.Arbitrary<AuthCommand> = fc.oneof(
  { arbitrary: commandArb(), weight: 4 },
  { arbitrary: fc.constant<AuthCommand>({ c: 'connect' }), weight: 1 },
  { arbitrary: fc.constant<AuthCommand>({ c: 'opened' }), weight: 1 },
  { arbitrary: authEventArb.map(ev), weight: 6 },
);

/** An authenticated CONNECT that succeeds: opened, AUTH 0x18 (1-3 steps), CONNACK 0. */
const exchangeArb: fc.Arbitrary<AuthCommand[]> = fc
  .integer({ min: 1, max: 3 })
  .map((n) => [
    { c: 'connect' },
    { c: 'opened' },
    ...Array.from({ length: n }, () => ev({ type: 'mqtt5.auth', reasonCode: 0x18 })),
    ev({ type: 'mqtt5.connack', reasonCode: 0, sessionPresent: false }),
  ]);

/** Random commands around an authenticated session (so each property surely meets its states). */
const runArb = fc
  .tuple(
    inputArb,
    fc.array(authCommandArb, { maxLength: 20 }),
    exchangeArb,
    fc.array(authCommandArb, { maxLength: 40 }),
    drawsArb,
    kindArb,
  )
  .map(
    ([input, prefix, exchange, suffix, draws, kind]) =>
      [input, [...prefix, ...exchange, ...suffix], draws, kind] as const,
  );

interface Step {
  readonly before: unknown;
  readonly command: AuthCommand;
  readonly after: unknown;
  readonly effects: string[];
  readonly emitted: string[];
}

function run(
  input: ConnectionInput,
  commands: readonly AuthCommand[],
  draws: readonly number[],
  kind: DriverKind,
) {
  const h = createHarness(input, kind, cyclicRandom(draws).random);
  const steps: Step[] = [];
  for (const command of commands) {
    const before = h.driver.getSnapshot().value;
    const effects = h.effects.length;
    const emitted = h.emitted.length;
    if (command.c === 'ev') h.send(command.event);
    else applyCommand(h, command);
    steps.push({
      before,
      command,
      after: h.driver.getSnapshot().value,
      effects: h.effects.slice(effects),
      emitted: h.emitted.slice(emitted).map((e) => e.type),
    });
  }
  return { h, steps };
}

const json = (value: unknown): string => JSON.stringify(value);
const authenticating = (value: unknown): boolean => json(value).includes('"authenticating"');
const reauthenticating = (value: unknown): boolean => json(value).includes('"reauthenticating"');
const eventOf = (command: AuthCommand): ConnectionEvent | undefined =>
  command.c === 'ev' ? command.event : undefined;

describe('enhanced authentication in the statechart (R310-R317)', () => {
  it('R311: from authenticating, the session comes up only by an accepting CONNACK, never by an AUTH', () => {
    let connectedFrom = 0;
    fc.assert(
      fc.property(runArb, ([input, commands, draws, kind]) => {
        for (const step of run(input, commands, draws, kind).steps) {
          if (!authenticating(step.before)) continue;
          const event = eventOf(step.command);
          if (coarse(step.after) === 'connected') {
            connectedFrom += 1;
            // A CONNACK with code 0: MQTT 5's, or (the statechart does not ask) a 3.1.1 one.
            const connack =
              (event?.type === 'mqtt5.connack' && event.reasonCode === 0) ||
              step.command.c === 'accept' ||
              (step.command.c === 'connack' && step.command.returnCode === 0);
            expect(connack, json(step.command)).toBe(true);
          }
          if (event?.type === 'mqtt5.auth') expect(coarse(step.after)).not.toBe('connected');
        }
      }),
      { numRuns: numRuns(200) },
    );
    // The property met the transition it is about.
    expect(connectedFrom).toBeGreaterThan(0);
  });

  it('R310, R312: each AUTH 0x18 during CONNECT or re-authentication is answered once and counted; the count restarts per exchange', () => {
    fc.assert(
      fc.property(runArb, ([input, commands, draws, kind]) => {
        const { h, steps } = run(input, commands, draws, kind);
        let expected = 0;
        for (const step of steps) {
          const event = eventOf(step.command);
          const continues = event?.type === 'mqtt5.auth' && event.reasonCode === 0x18;
          const inExchange =
            json(step.before).includes('"handshaking"') ||
            authenticating(step.before) ||
            reauthenticating(step.before);
          if (step.effects.includes('open:0') || step.effects.some((e) => e.startsWith('open:')))
            expected = 0;
          if (step.effects.includes('sendReauth')) expected = 0;
          if (continues && inExchange) {
            expect(step.effects.filter((e) => e === 'answerAuth')).toHaveLength(1);
            expected += 1;
          } else expect(step.effects).not.toContain('answerAuth');
        }
        const last = h.driver.getSnapshot();
        if (coarse(last.value) === 'connecting' || coarse(last.value) === 'connected') {
          expect(last.context.authSteps).toBe(expected);
        }
      }),
      { numRuns: numRuns(200) },
    );
  });

  it('R313, R314: re-authentication never drops the session: while connected, the auth events keep it up, with no sessionDown and no disconnected event', () => {
    let seen = 0;
    fc.assert(
      fc.property(runArb, ([input, commands, draws, kind]) => {
        for (const step of run(input, commands, draws, kind).steps) {
          const event = eventOf(step.command);
          if (coarse(step.before) !== 'connected') continue;
          if (event?.type !== 'mqtt5.auth' && event?.type !== 'client.reauthenticate') continue;
          seen += 1;
          expect(coarse(step.after)).toBe('connected');
          expect(step.effects).not.toContain('sessionDown');
          expect(step.emitted).not.toContain('disconnected');
          if (event.type === 'client.reauthenticate' && !reauthenticating(step.before)) {
            expect(step.effects).toEqual(['sendReauth']);
          }
        }
      }),
      { numRuns: numRuns(200) },
    );
    expect(seen).toBeGreaterThan(0);
  });

  it("R315: DISCONNECT 0x87 or 0x8C during an exchange stops the client under onRefused 'stop', else it retries", () => {
    fc.assert(
      fc.property(runArb, ([input, commands, draws, kind]) => {
        for (const step of run(input, commands, draws, kind).steps) {
          const event = eventOf(step.command);
          if (event?.type !== 'mqtt5.disconnect') continue;
          if (!authenticating(step.before) && !reauthenticating(step.before)) continue;
          const refusal = event.reasonCode === 0x87 || event.reasonCode === 0x8c;
          const stops = refusal && input.options.onRefused === 'stop';
          expect(step.after === 'stopped').toBe(stops);
        }
      }),
      { numRuns: numRuns(200) },
    );
  });

  it('R312, R317: journals with auth events replay to the live states with the same step count, both drivers agree, and hold reason codes only', () => {
    fc.assert(
      fc.property(runArb, ([input, commands, draws]) => {
        const { actor } = runOnBothDrivers((kind) => run(input, commands, draws, kind));
        expectReplaysToLive(actor.h);
        for (const entry of actor.h.journal) {
          if (entry.event.type === 'mqtt5.auth')
            expect(Object.keys(entry.event).sort()).toEqual(['reasonCode', 'type']);
        }
      }),
      { numRuns: numRuns(80) },
    );
  });
});
