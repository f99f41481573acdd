/**
 * Disconnect and the one-transport rule (spec R23, R25, R27): after `client.disconnect` nothing
 * happens until the next `client.connect`, whatever else arrives and however much time passes; and
 * no run ever has two transports or writes to a transport that does not exist.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ServerTiming } from '../machines/backoff.js';
import { createHarness } from '../test/support/lifecycleHarness.js';
import {
  applyCommand,
  awaitRetry,
  type Command,
  checkTransport,
  commandArb,
  cyclicRandom,
  drawsArb,
  firstEnabledIndex,
  inputArb,
  kindArb,
  numRuns,
  optionsArb,
  ringArb,
  transportError,
} from './arbitraries.js';

/** The server ring in force after `commands`: client.configure replaces it in every state (R26). */
const serversAfter = (
  initial: readonly ServerTiming[],
  commands: readonly Command[],
): readonly ServerTiming[] =>
  commands.reduce<readonly ServerTiming[]>(
    (servers, c) => (c.c === 'configure' ? c.servers : servers),
    initial,
  );

describe('disconnect and transports', () => {
  it('R23, R25: after a disconnect at any point, no attempt and no effect until the next client.connect, whatever time passes; then it starts over on the first enabled server with t = 0 (R5, R19)', () => {
    fc.assert(
      fc.property(
        fc.record({ servers: ringArb, options: optionsArb }),
        fc.nat(25),
        fc.array(commandArb(), { maxLength: 30 }),
        fc.array(commandArb(false), { maxLength: 30 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        drawsArb,
        kindArb,
        (input, failures, prefix, afterwards, idle, draws, kind) => {
          const h = createHarness(input, kind, cyclicRandom(draws).random);
          // First a run of refused attempts, so the schedule has escalated and often failed over.
          if (failures > 0) h.send({ type: 'client.connect' });
          for (let i = 0; i < failures; i++) {
            h.send(transportError);
            awaitRetry(h);
          }
          for (const command of prefix) applyCommand(h, command);
          h.send({ type: 'client.disconnect' });
          expect(h.value()).toBe('stopped');
          expect(h.openServer()).toBeNull();
          expect(h.emitted.at(-1)).toEqual({ type: 'stopped', error: null });

          const effects = h.effects.length;
          const emitted = h.emitted.length;
          for (const command of [...afterwards, { c: 'tick', ms: idle } as const]) {
            applyCommand(h, command);
            if (h.value() !== 'stopped' || h.effects.length !== effects || h.emitted.length !== emitted) {
              expect({
                value: h.value(),
                effects: h.effects.slice(effects),
                emitted: h.emitted.slice(emitted),
              }).toEqual({
                value: 'stopped',
                effects: [],
                emitted: [],
              });
            }
          }

          h.send({ type: 'client.connect' });
          const servers = serversAfter(input.servers, [...prefix, ...afterwards]);
          const first = firstEnabledIndex(servers);
          expect(h.effects.slice(effects)).toEqual([`open:${first}`]);
          expect(h.value()).toEqual({ online: { connecting: 'opening' } });
          const { context } = h.driver.getSnapshot();
          expect({ current: context.current, t: context.t, attempt: context.attempt }).toEqual({
            current: first,
            t: 0,
            attempt: 1,
          });
          expect(h.violations).toEqual([]);
        },
      ),
      { numRuns: numRuns(100) },
    );
  });

  it('R27: never two transports, and no CONNECT, PINGREQ or DISCONNECT without one, in random runs', () => {
    fc.assert(
      fc.property(
        inputArb,
        fc.array(commandArb(), { maxLength: 80 }),
        drawsArb,
        kindArb,
        (input, commands, draws, kind) => {
          const h = createHarness(input, kind, cyclicRandom(draws).random);
          checkTransport(h);
          for (const command of commands) {
            applyCommand(h, command);
            checkTransport(h);
          }
          // Opens and closes alternate, starting with an open.
          const opens = h.effects
            .filter((e) => e === 'close' || e.startsWith('open:'))
            .map((e) => e !== 'close');
          expect(opens).toEqual(opens.map((_, i) => i % 2 === 0));
        },
      ),
      { numRuns: numRuns(150) },
    );
  });
});
