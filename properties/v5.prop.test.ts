/**
 * The MQTT 5 lifecycle decisions (spec R260-R271) as properties over random runs that mix the
 * 3.1.1 inputs with MQTT 5 CONNACKs and server DISCONNECTs: what each reason code may and may not
 * lead to, the redirect bound, and that journals with the new events replay to the live states.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import type { ConnectionContext } from '../machines/connection.js';
import type { ConnectionEvent, ConnectionInput } from '../machines/events.js';
import { checkReplay, journalHeader, replay } from '../machines/journal.js';
import { MAX_REDIRECTS } from '../machines/v5.js';
import { createHarness, type DriverKind, type Harness } from '../test/support/lifecycleHarness.js';
import { expectReplaysToLive, runAroundArb, runOnBothDrivers } from './agreement.js';
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
  ringNext,
} from './arbitraries.js';
import { connackArb, disconnectArb } from './v5Arbitraries.js';

/** A random command, or one MQTT 5 packet from the broker. */
type V5Command = Command | { c: 'v5'; event: ConnectionEvent };

// Biased towards sessions, so that DISCONNECTs often find one (the triggers are counted below).
const v5CommandArb: fc.Arbitrary<V5Command> = fc.oneof(
  { arbitrary: commandArb(), weight: 6 },
  { arbitrary: fc.constant<V5Command>({ c: 'connect' }), weight: 1 },
  { arbitrary: fc.constant<V5Command>({ c: 'accept', sessionPresent: false }), weight: 2 },
  { arbitrary: connackArb.map<V5Command>((event) => ({ c: 'v5', event })), weight: 3 },
  { arbitrary: disconnectArb.map<V5Command>((event) => ({ c: 'v5', event })), weight: 4 },
);

const runArb = fc.tuple(inputArb, fc.array(v5CommandArb, { maxLength: 60 }), drawsArb, kindArb);

/**
 * Runs that surely meet `trigger` in a session: random commands, then connect, accept and the
 * trigger, then random commands again (which may meet it again).
 */
const triggeredRunArb = (trigger: fc.Arbitrary<ConnectionEvent>) =>
  runAroundArb(
    v5CommandArb,
    trigger.map((event): V5Command[] => [
      { c: 'connect' },
      { c: 'accept', sessionPresent: false },
      { c: 'v5', event },
    ]),
    30,
    30,
  );

/** What one command did: the context before, the event, and the attempts it opened. */
interface Step {
  readonly before: { value: unknown; context: ConnectionContext; at: number };
  readonly command: V5Command;
  readonly after: { value: unknown; context: ConnectionContext };
  readonly opened: { server: number; at: number }[];
  readonly emitted: string[];
}

function run(
  input: ConnectionInput,
  commands: readonly V5Command[],
  draws: readonly number[],
  kind: DriverKind,
) {
  const h: Harness = createHarness(input, kind, cyclicRandom(draws).random);
  const steps: Step[] = [];
  for (const command of commands) {
    const snap = h.driver.getSnapshot();
    const before = { value: snap.value, context: snap.context, at: h.clock.now() };
    const attempts = h.attempts().length;
    const emitted = h.emitted.length;
    if (command.c === 'v5') h.send(command.event);
    else applyCommand(h, command);
    const after = h.driver.getSnapshot();
    steps.push({
      before,
      command,
      after: { value: after.value, context: after.context },
      opened: h.attempts().slice(attempts),
      emitted: h.emitted.slice(emitted).map((e) => e.type),
    });
  }
  return { h, steps };
}

const isV5 = (command: V5Command, type: ConnectionEvent['type'], code: number): boolean =>
  command.c === 'v5' &&
  command.event.type === type &&
  'reasonCode' in command.event &&
  command.event.reasonCode === code;
const hasReference = (command: V5Command): boolean =>
  command.c === 'v5' &&
  'serverReference' in command.event &&
  (command.event.serverReference?.length ?? 0) > 0;
const connectedValue = (value: unknown): boolean => coarse(value) === 'connected';

/** How often the properties met their trigger, so none of them can pass vacuously. */
const seen = { takeovers: 0, shutdowns: 0, moves: 0 };

describe('MQTT 5 lifecycle decisions (R260-R271)', () => {
  it('R262: a 0x8E session takeover never leads to another attempt until the user connects again', () => {
    fc.assert(
      fc.property(
        triggeredRunArb(fc.constant<ConnectionEvent>({ type: 'mqtt5.disconnect', reasonCode: 0x8e })),
        ([input, commands, draws, kind]) => {
          const { steps } = run(input, commands, draws, kind);
          let blocked = false;
          for (const step of steps) {
            if (step.command.c === 'connect') blocked = false;
            else if (blocked) expect(step.opened).toEqual([]);
            if (connectedValue(step.before.value) && isV5(step.command, 'mqtt5.disconnect', 0x8e)) {
              expect(step.after.value).toBe('stopped');
              expect(step.opened).toEqual([]);
              blocked = true;
              seen.takeovers++;
            }
          }
        },
      ),
      { numRuns: numRuns(150) },
    );
    expect(seen.takeovers).toBeGreaterThan(0);
  });

  it('R264: a 0x8B server shutdown never waits a backoff: the next ring server is attempted at once (within the R268 bound)', () => {
    fc.assert(
      fc.property(
        triggeredRunArb(fc.constant<ConnectionEvent>({ type: 'mqtt5.disconnect', reasonCode: 0x8b })),
        ([input, commands, draws, kind]) => {
          const { steps } = run(input, commands, draws, kind);
          for (const step of steps) {
            if (!connectedValue(step.before.value) || !isV5(step.command, 'mqtt5.disconnect', 0x8b)) continue;
            const { context, at } = step.before;
            if (context.moves >= MAX_REDIRECTS) {
              expect(coarse(step.after.value)).toBe('backoff');
              continue;
            }
            const home = context.returnTo ?? context.current;
            seen.shutdowns++;
            expect(step.opened).toEqual([{ server: ringNext(context.servers, home), at }]);
            expect(step.emitted).not.toContain('backoff');
          }
        },
      ),
      { numRuns: numRuns(150) },
    );
    expect(seen.shutdowns).toBeGreaterThan(0);
  });

  it('R265, R266: an attempt goes to a server outside the ring (a 0x9C target) only as the immediate answer to that 0x9C', () => {
    fc.assert(
      fc.property(runArb, ([input, commands, draws, kind]) => {
        const { steps } = run(input, commands, draws, kind);
        for (const step of steps) {
          for (const attempt of step.opened) {
            if (step.after.context.servers[attempt.server]?.enabled) continue;
            const redirect =
              (isV5(step.command, 'mqtt5.connack', 0x9c) || isV5(step.command, 'mqtt5.disconnect', 0x9c)) &&
              hasReference(step.command);
            expect(redirect, `attempt at disabled server ${attempt.server}`).toBe(true);
          }
        }
      }),
      { numRuns: numRuns(150) },
    );
  });

  it('R267: a server a 0x9D moved away from is never attempted again in the client life (until reconfigured)', () => {
    fc.assert(
      fc.property(
        triggeredRunArb(
          fc.constant<ConnectionEvent>({
            type: 'mqtt5.disconnect',
            reasonCode: 0x9d,
            serverReference: ['ref-x'],
          }),
        ),
        ([input, commands, draws, kind]) => {
          const { steps } = run(input, commands, draws, kind);
          const moved = new Set<number>();
          for (const step of steps) {
            if (step.command.c === 'configure') moved.clear();
            // Only the broker's word brings it back: a later redirect that names it.
            const named = hasReference(step.command)
              ? ((step.command as { event: { serverReference?: readonly string[] } }).event.serverReference ??
                [])
              : [];
            for (const attempt of step.opened) {
              const name = step.after.context.servers[attempt.server]?.name ?? '';
              if (!named.includes(name)) expect(moved.has(attempt.server)).toBe(false);
            }
            for (const index of [...moved]) {
              if (named.includes(step.after.context.servers[index]?.name ?? '')) moved.delete(index);
            }
            if (
              connectedValue(step.before.value) &&
              isV5(step.command, 'mqtt5.disconnect', 0x9d) &&
              hasReference(step.command) &&
              step.before.context.moves < MAX_REDIRECTS
            ) {
              const left = step.before.context.current;
              if (!step.after.context.servers[left]?.enabled) {
                moved.add(left);
                seen.moves++;
              }
            }
          }
        },
      ),
      { numRuns: numRuns(150) },
    );
    expect(seen.moves).toBeGreaterThan(0);
  });

  it(`R268: a redirect loop ends: at most ${MAX_REDIRECTS} immediate moves in a row, then the schedule`, () => {
    const loopArb = fc.array(
      fc.oneof(
        fc.constant<ConnectionEvent>({
          type: 'mqtt5.connack',
          reasonCode: 0x9c,
          sessionPresent: false,
          serverReference: ['ref-x'],
        }),
        fc.constant<ConnectionEvent>({
          type: 'mqtt5.connack',
          reasonCode: 0x9d,
          sessionPresent: false,
          serverReference: ['ref-y'],
        }),
        fc.constant<ConnectionEvent>({ type: 'mqtt5.disconnect', reasonCode: 0x8b }),
        fc.constant<ConnectionEvent>({ type: 'mqtt5.disconnect', reasonCode: 0x9c, serverReference: ['s0'] }),
      ),
      { minLength: MAX_REDIRECTS + 1, maxLength: 3 * MAX_REDIRECTS },
    );
    fc.assert(
      fc.property(inputArb, loopArb, kindArb, (input, loop, kind) => {
        const h = createHarness(input, kind);
        h.send({ type: 'client.connect' });
        let immediate = 0;
        for (const event of loop) {
          h.send({ type: 'transport.opened' });
          // A DISCONNECT needs a session: accept first.
          if (event.type === 'mqtt5.disconnect')
            h.send({ type: 'mqtt5.connack', reasonCode: 0, sessionPresent: false });
          const before = h.attempts().length;
          h.send(event);
          if (h.attempts().length === before) break;
          immediate++;
        }
        expect(immediate).toBeLessThanOrEqual(MAX_REDIRECTS);
        expect(immediate).toBe(MAX_REDIRECTS);
        expect(coarse(h.value())).toBe('backoff');
      }),
      { numRuns: numRuns(100) },
    );
  });

  it('R261: under onRefused stop, 0x86 / 0x87 / 0x8A / 0x8C stop the client; under retry they go to backoff', () => {
    fc.assert(
      fc.property(runArb, ([input, commands, draws, kind]) => {
        const { steps } = run(input, commands, draws, kind);
        for (const step of steps) {
          const inHandshake = JSON.stringify(step.before.value).includes('handshaking');
          const final = [0x86, 0x87, 0x8a, 0x8c].some((code) => isV5(step.command, 'mqtt5.connack', code));
          if (!inHandshake || !final) continue;
          const stops = step.before.context.options.onRefused === 'stop';
          expect(coarse(step.after.value)).toBe(stops ? 'stopped' : 'backoff');
        }
      }),
      { numRuns: numRuns(150) },
    );
  });

  it('R269: the keep alive of a connection is its CONNACK Server Keep Alive when there is one', () => {
    fc.assert(
      fc.property(runArb, ([input, commands, draws, kind]) => {
        const { steps } = run(input, commands, draws, kind);
        for (const step of steps) {
          if (step.command.c !== 'v5' || step.command.event.type !== 'mqtt5.connack') continue;
          if (!connectedValue(step.after.value) || connectedValue(step.before.value)) continue;
          expect(step.after.context.serverKeepAliveMs).toBe(step.command.event.serverKeepAliveMs ?? null);
          const keepalive = (step.after.value as { online: { connected: { keepalive: string } } }).online
            .connected.keepalive;
          if (step.command.event.serverKeepAliveMs === 0) expect(keepalive).toBe('off');
          else if (step.command.event.serverKeepAliveMs !== undefined) expect(keepalive).toBe('waiting');
        }
      }),
      { numRuns: numRuns(150) },
    );
  });

  it('R271, R40, R44: journals with MQTT 5 events replay to the live states; both drivers agree', () => {
    fc.assert(
      fc.property(runArb, ([input, commands, draws]) => {
        const { actor } = runOnBothDrivers((kind) => run(input, commands, draws, kind));
        expectReplaysToLive(actor.h);
      }),
      { numRuns: numRuns(80) },
    );
  });

  it('R271: a machine version 2 journal (3.1.1 events only) still replays; other versions are a ConfigError', () => {
    fc.assert(
      fc.property(inputArb, fc.array(commandArb(), { maxLength: 30 }), drawsArb, (input, commands, draws) => {
        const { h } = run(input, commands, draws, 'actor');
        const v2 = { header: { ...journalHeader(input), machineVersion: 2 }, entries: h.journal };
        expect(checkReplay(v2).mismatch).toBeNull();
        for (const machineVersion of [1, 5]) {
          const header = { ...journalHeader(input), machineVersion };
          expect(() => replay({ header, entries: h.journal })).toThrow(ConfigError);
        }
      }),
      { numRuns: numRuns(40) },
    );
  });
});
