/**
 * What a bad option value's ConfigError says (spec R82, R371): its key, the rule (the range or the
 * choices) and the value got, a string quoted so that '5' does not read as the number 5. The
 * checks share one message builder (checkInt, checkOneOf, got), so these pin its wording.
 */
import { describe, expect, it } from 'vitest';
import { resolveSessionOptions } from '../protocol/sessionOptions.js';
import type { SessionOptions } from '../protocol/sessionTypes.js';
import { configError } from '../test/support/configError.js';
import { CLIENT_OPTION_KEYS } from './clientOptions.js';
import { checkClientKeys } from './optionKeys.js';
import { type LifecycleClientOptions, normaliseOptions } from './options.js';
import type { TransportFactory } from './ports.js';

/** Never called: normaliseOptions only needs a transport to be named. */
const transport = (() => {
  throw new Error('not connecting');
}) as unknown as TransportFactory;

const messageOf = (options: Partial<LifecycleClientOptions>): string =>
  configError(() => normaliseOptions({ servers: [{ host: 'h' }], transport, ...options })).message;

const sessionMessageOf = (options: Record<string, unknown>): string =>
  configError(() => resolveSessionOptions(options as SessionOptions)).message;

describe('integer ranges (R82, R371)', () => {
  it.each([
    [{ maxQueueLength: -1 }, 'maxQueueLength: must be an integer from 0 to 65535, got -1'],
    [{ maxInflight: 0 }, 'maxInflight: must be an integer from 1 to 65535, got 0'],
    [{ maxQos: 3 }, 'maxQos: must be an integer from 0 to 2, got 3'],
    [{ maxQos: '1' }, 'maxQos: must be an integer from 0 to 2, got "1"'],
    [{ qos2Memory: 1.5 }, 'qos2Memory: must be an integer from 0 to 65535, got 1.5'],
    [
      { maxQueueBytes: 2 ** 53 },
      'maxQueueBytes: must be an integer from 0 to 9007199254740991, got 9007199254740992',
    ],
  ])('a session option out of its range says key, range and value: %j', (options, message) => {
    expect(sessionMessageOf(options)).toBe(message);
  });

  it("keepAliveSec, the client's and a server's, is an integer from 0 to 65535 whatever is wrong with it", () => {
    expect(messageOf({ keepAliveSec: -1 })).toBe('keepAliveSec: must be an integer from 0 to 65535, got -1');
    expect(messageOf({ keepAliveSec: 65_536 })).toBe(
      'keepAliveSec: must be an integer from 0 to 65535, got 65536',
    );
    expect(messageOf({ keepAliveSec: Number.NaN })).toBe(
      'keepAliveSec: must be an integer from 0 to 65535, got NaN',
    );
    expect(messageOf({ servers: [{ host: 'h', keepAliveSec: '30' as unknown as number }] })).toBe(
      'servers[0].keepAliveSec: must be an integer from 0 to 65535, got "30"',
    );
  });

  it('a server port is an integer from 1 to 65535 (R70)', () => {
    expect(messageOf({ servers: [{ host: 'h', port: 0 }] })).toBe(
      'servers[0].port: must be an integer from 1 to 65535, got 0',
    );
  });
});

describe('choices (R82, R371)', () => {
  it.each([
    [{ overflow: 'spill' }, `overflow: must be 'drop-oldest', 'drop-newest' or 'reject', got "spill"`],
    [{ onCleanSession: 'keep' }, `onCleanSession: must be 'resend' or 'fail', got "keep"`],
    [{ overflow: 1 }, `overflow: must be 'drop-oldest', 'drop-newest' or 'reject', got 1`],
  ])('a session option outside its choices names every choice and the value: %j', (options, message) => {
    expect(sessionMessageOf(options)).toBe(message);
  });

  it("onRefused is 'retry' or 'stop' (R81)", () => {
    expect(messageOf({ onRefused: 'never' as 'stop' })).toBe(
      `onRefused: must be 'retry' or 'stop', got "never"`,
    );
  });

  it("reset is 'connack' or 'stable' (R82, R371): a typo is refused, not taken as the default", () => {
    expect(messageOf({ reset: 'foo' as 'stable' })).toBe(`reset: must be 'connack' or 'stable', got "foo"`);
    expect(
      normaliseOptions({ servers: [{ host: 'h' }], transport, reset: 'connack' }).input.options.reset,
    ).toBe('connack');
  });

  it('a URL scheme is one of its own spellings, and no name Object.prototype has (R70, R372)', () => {
    for (const scheme of ['constructor', 'toString', 'valueOf'])
      expect(messageOf({ servers: [{ url: `${scheme}://h` }] })).toBe(
        `servers[0].url: unknown scheme "${scheme}": use mqtt, mqtts, ws or wss`,
      );
  });

  it('an unknown key named like an Object.prototype member gets no hint from the prototype (R338, R372)', () => {
    for (const key of ['constructor', 'toString', 'hasOwnProperty'])
      expect(configError(() => checkClientKeys({ [key]: 1 }, CLIENT_OPTION_KEYS)).message).toBe(
        `${key}: unknown option`,
      );
  });

  it("a server's protocol is one of the four schemes, and no name Object.prototype has (R70, R372)", () => {
    for (const protocol of ['http', 'constructor', 'toString'])
      expect(messageOf({ servers: [{ host: 'h', protocol: protocol as 'mqtt' }] })).toBe(
        `servers[0].protocol: must be 'mqtt', 'mqtts', 'ws' or 'wss', got "${protocol}"`,
      );
  });
});

describe('the server list (R82)', () => {
  it('is an array of at least one server: one message says both', () => {
    for (const servers of [[], 'mqtt://h', undefined])
      expect(messageOf({ servers: servers as never })).toBe(
        'servers: must be an array of at least one server, such as [{ url: "mqtt://host" }]',
      );
  });
});

describe('numbers with other rules (R82)', () => {
  it('jitter is a number from 0 up to, not including, 1: a string that compares as one is refused too', () => {
    for (const [jitter, shown] of [
      [1, '1'],
      [-0.1, '-0.1'],
      [Number.NaN, 'NaN'],
      ['0.5', '"0.5"'],
    ] as const)
      expect(messageOf({ jitter: jitter as number })).toBe(
        `jitter: must be a number from 0 to below 1, got ${shown}`,
      );
    expect(normaliseOptions({ servers: [{ host: 'h' }], transport, jitter: 0 }).input.options.jitter).toBe(0);
    expect(normaliseOptions({ servers: [{ host: 'h' }], transport }).input.options.jitter).toBe(0.1);
  });

  it('the deadlines are finite numbers >= 0, the retry delays > 0', () => {
    expect(messageOf({ connectTimeoutMs: -1 })).toBe(
      'connectTimeoutMs: must be a finite number >= 0, got -1',
    );
    expect(messageOf({ pingTimeoutMs: Number.POSITIVE_INFINITY })).toBe(
      'pingTimeoutMs: must be a finite number >= 0, got Infinity',
    );
    expect(messageOf({ servers: [{ host: 'h', minDelayMs: 0 }] })).toBe(
      'servers[0].minDelayMs: must be a finite number > 0, got 0',
    );
  });

  it('the deadlines default to 30 s and half the keep alive, and to none with the mongoose profile', () => {
    const timings = (profile?: 'mongoose') =>
      normaliseOptions({ servers: [{ host: 'h' }], transport, keepAliveSec: 10, ...(profile && { profile }) })
        .input.options;
    expect(timings()).toMatchObject({
      stableConnectionMs: 30_000,
      connectTimeoutMs: 30_000,
      pingTimeoutMs: 5000,
    });
    expect(timings('mongoose')).toMatchObject({
      stableConnectionMs: 0,
      connectTimeoutMs: 0,
      pingTimeoutMs: 0,
    });
  });
});
