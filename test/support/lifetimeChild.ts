/**
 * A user's script, run as a child process by test/integration/processLifetime.test.ts: the real
 * package (index.ts) in a plain Node process, where "the process exits too early" can happen.
 *
 *   node --import tsx test/support/lifetimeChild.ts <mode> <port> [ws]
 *
 * With `ws`, the server is reached as `ws://127.0.0.1:<port>/mqtt` (the `ws` package's transport).
 *
 * It prints one line per step on stdout (`connected`, `backoff`, `acked`, `resources ...`, `done`)
 * for the parent to wait on. The exit code starts as 3, so a process that ends because its event
 * loop ran empty before the script finished is told apart from one that finished (0).
 *
 * Modes:
 * - `qos1-drop`: awaits a QoS 1 publish across a broker drop, then disconnects (spec R50).
 * - `publish-disconnect`: connects, publishes, disconnects; prints the handles left (spec R51).
 * - `broker-down`: connects to a port nobody listens on; disconnects on SIGUSR2 (spec R50).
 * - `unref-connected` / `unref-backoff`: connects, calls `unref()` and never disconnects (spec R52).
 */
import { MqttClient } from '../../index.js';
import { withWireCheck } from './wireCheck.js';
import { WireValidator } from './wireValidator.js';

const [mode = '', portText = '', scheme = 'mqtt'] = process.argv.slice(2);
const port = Number(portText);
process.exitCode = 3;

const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

// Its wire is checked here (spec R226); the parent fails the test on a `wire` line.
const validator = new WireValidator({
  onViolation: (v) => say(`wire [${v.kind}] connection ${v.connection}, packet ${v.packet}: ${v.message}`),
});
const options = {
  // Short retries keep the test fast; the lifetime rule does not depend on the delay.
  servers: [
    scheme === 'ws'
      ? { url: `ws://127.0.0.1:${port}/mqtt`, minDelayMs: 50, maxDelayMs: 100 }
      : { host: '127.0.0.1', port, minDelayMs: 50, maxDelayMs: 100 },
  ],
};
const client = new MqttClient(withWireCheck(options, validator));
client.lifecycle.onLifecycle((event) => say(event.type));
const connected = new Promise<void>((resolve) =>
  client.lifecycle.onLifecycle((event) => {
    if (event.type === 'connected') resolve();
  }),
);

/** The kinds of handle still keeping the event loop alive, apart from stdio. */
function resources(): string {
  const held = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap' && r !== 'PipeWrap');
  return `resources ${JSON.stringify(held)}`;
}

async function main(): Promise<void> {
  client.connect();
  switch (mode) {
    case 'qos1-drop':
      await connected;
      await client.publish('lifetime/qos1', 'must arrive', { qos: 1 });
      say('acked');
      await client.disconnect();
      break;
    case 'publish-disconnect':
      await connected;
      await client.publish('lifetime/qos1', 'one', { qos: 1 });
      await client.publish('lifetime/qos0', 'two', { qos: 0 });
      await client.disconnect();
      say(resources());
      break;
    case 'broker-down':
      await new Promise<void>((resolve) => process.once('SIGUSR2', () => resolve()));
      await client.disconnect();
      say(resources());
      break;
    case 'unref-connected':
      await connected;
      client.unref();
      break;
    case 'unref-backoff':
      client.unref();
      break;
    default:
      throw new Error(`unknown mode ${mode}`);
  }
  say('done');
  process.exitCode = 0;
}

main().catch((error: unknown) => {
  say(`error ${String(error)}`);
  process.exitCode = 1;
});
