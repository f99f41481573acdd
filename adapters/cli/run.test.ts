/**
 * The tool's dispatch in-process (spec R94): help for every command, usage errors as exit 2 with
 * a stable code. The child-process tests are in test/integration/cli.aedes.test.ts.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EXIT } from './exitCodes.js';
import type { CommandIo } from './io.js';
import { COMMANDS, failure, HELP, run } from './run.js';

function io(): CommandIo & { readonly output: string[] } {
  const output: string[] = [];
  return {
    output,
    out: (text) => output.push(typeof text === 'string' ? text : Buffer.from(text).toString()),
    err: (line) => output.push(`ERR ${line}`),
    stdin: new PassThrough(),
    stdinFd: 0,
    env: {},
    isTTY: false,
    columns: 80,
    stopped: new Promise(() => {}),
  };
}

async function outcome(argv: string[]): Promise<{ exit: number; text: string }> {
  const context = io();
  try {
    return { exit: await run(argv, context), text: context.output.join('') };
  } catch (error) {
    const { code, message, exitCode } = failure(error);
    return { exit: exitCode, text: `${code}: ${message}` };
  }
}

describe('mqtt-lifeline dispatch', () => {
  it('R94: --help, help CMD and CMD --help print each command’s usage with exit 0; no command is exit 2', async () => {
    expect(await outcome(['--help'])).toEqual({ exit: EXIT.ok, text: `${HELP}\n` });
    expect(await outcome([])).toEqual({ exit: EXIT.usage, text: `${HELP}\n` });
    for (const [name, command] of Object.entries(COMMANDS)) {
      expect(await outcome([name, '--help'])).toEqual({ exit: EXIT.ok, text: `${command.help}\n` });
      expect(await outcome(['help', name])).toEqual({ exit: EXIT.ok, text: `${command.help}\n` });
      expect(command.help).toMatch(new RegExp(`^Usage: mqtt-lifeline ${name} `));
    }
    expect(HELP).toMatch(/Exit codes:/);
  });

  it('R94: bad command lines are USAGE errors with exit 2, naming what is wrong', async () => {
    const cases: [string[], RegExp][] = [
      [['frobnicate'], /^USAGE: unknown command "frobnicate"/],
      [['sub', '-t', 'x', '--no-such-option'], /^USAGE: Unknown option '--no-such-option'/],
      [['pub', '-t', 'a/+', '-m', 'x'], /^USAGE: invalid topic "a\/\+"/],
      [['pub', '-t', 'a', '-m', 'x', '-n'], /^USAGE: give exactly one of -m, -f, -s, -l, -n/],
      [['pub', '-m', 'x'], /^USAGE: -t TOPIC is required/],
      [['pub', '-t', 'a', '-m', 'x', '-q', '3'], /^USAGE: --qos must be an integer from 0 to 2, got "3"/],
      [['sub', '-t', 'a/#/b'], /^USAGE: invalid topic "a\/#\/b"/],
      [['sub', '-t', 'a', '-F', 'xml'], /^USAGE: --format must be one of payload, topic, json, got "xml"/],
      [
        ['sub', '-t', 'a', '-L', 'http://x'],
        /^USAGE: --url: unknown scheme "http": use mqtt, mqtts, ws or wss/,
      ],
      [
        ['sub', '-t', 'a', '-L', 'mqtt://x', '-p', '1'],
        /^USAGE: give either --url or --host\/--port, not both/,
      ],
      [['watch', '--ui', 'fancy'], /^USAGE: --ui must be auto, live or lines, got fancy/],
      [['replay'], /^USAGE: give exactly one journal file/],
      [
        ['pub', '-t', 'a', '-m', 'x', '-k', '70000'],
        /^USAGE: --keepalive must be an integer from 0 to 65535/,
      ],
      // R235: the MQTT version is 4 or 5.
      [['pub', '-t', 'a', '-m', 'x', '-V', '3'], /^USAGE: --protocol-version must be an integer from 4 to 5/],
      [
        ['sub', '-t', 'a', '-L', 'mqtt://x?protocolVersion=6'],
        /^USAGE: --url: the only query an mqtt:\/\/ URL takes/,
      ],
    ];
    for (const [argv, message] of cases) {
      const result = await outcome(argv);
      expect({ argv, exit: result.exit }).toEqual({ argv, exit: EXIT.usage });
      expect(result.text).toMatch(message);
    }
  });

  it('R94: an unreadable or malformed journal is exit 1 (IO / INVALID_JOURNAL)', async () => {
    expect(await outcome(['replay', '/nonexistent/j.jsonl'])).toMatchObject({
      exit: EXIT.failed,
      text: /^IO: cannot read/,
    });
  });
});
