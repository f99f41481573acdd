/** `-D COMMAND IDENTIFIER VALUE` (spec R301): taken out of the arguments, checked, typed. */
import { describe, expect, it } from 'vitest';
import { CliError } from './exitCodes.js';
import { takeProperties } from './properties.js';

describe('-D (R301)', () => {
  it('R301: takes every -D / --property out of the arguments, mosquitto style; user-property takes two values', () => {
    const { args, properties } = takeProperties(
      [
        '-t',
        'a',
        '-D',
        'publish',
        'user-property',
        'k',
        'v1',
        '--property',
        'publish',
        'user-property',
        'k',
        'v2',
        '-D',
        'publish',
        'content-type',
        'text/plain',
        '-D',
        'publish',
        'message-expiry-interval',
        '60',
        '-D',
        'publish',
        'payload-format-indicator',
        '1',
        '-D',
        'publish',
        'response-topic',
        'r/1',
        '-D',
        'publish',
        'correlation-data',
        'abc',
        '-m',
        'x',
      ],
      'publish',
    );
    expect(args).toEqual(['-t', 'a', '-m', 'x']);
    expect(properties.publish).toEqual({
      userProperties: [
        ['k', 'v1'],
        ['k', 'v2'],
      ],
      contentType: 'text/plain',
      messageExpiryInterval: 60,
      payloadFormatIndicator: true,
      responseTopic: 'r/1',
      correlationData: 'abc',
    });
    expect(
      takeProperties(['-D', 'subscribe', 'subscription-identifier', '9'], 'subscribe').properties,
    ).toEqual({
      subscribe: { subscriptionIdentifier: 9 },
    });
    expect(takeProperties(['-t', 'a'], 'publish')).toEqual({ args: ['-t', 'a'], properties: {} });
  });

  it.each([
    [['-D', 'publish', 'content-type'], 'publish'],
    [['-D', 'publish', 'user-property', 'k'], 'publish'],
    [['-D', 'connect', 'session-expiry-interval', '5'], 'publish'],
    [['-D', 'publish', 'topic-alias', '5'], 'publish'],
    [['-D', 'publish', 'message-expiry-interval', '0'], 'publish'],
    [['-D', 'publish', 'payload-format-indicator', '2'], 'publish'],
    [['-D', 'subscribe', 'subscription-identifier', '268435456'], 'subscribe'],
    [['-D', 'publish', 'content-type', 'x'], 'subscribe'],
  ] as const)('R301: %j is a usage error (exit 2)', (args, command) => {
    expect(() => takeProperties(args, command)).toThrow(CliError);
    expect(() => takeProperties(args, command)).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});
