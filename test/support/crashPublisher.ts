/**
 * The child process of the store crash test (test/integration/store.crash.test.ts): a publisher on
 * a file store with `clean: false` that the test SIGKILLs at random moments and starts again.
 *
 * Argument: JSON `{ port, store, clientId, run, drain }`. It starts on a line on stdin. It prints, with synchronous writes to
 * fd 1 so a line printed is a fact the parent can rely on:
 * - `OPEN <restored>` once the store is open (restored = messages it owes from earlier runs);
 * - `P <topic> <payload>` after each `publishNow` returned (the message is then accepted);
 * - `DROP <topic> <id>` if the session ever dropped a message (the test fails on it);
 * - `DRAINED` (with `drain`) once nothing is owed any more; it then closes the store and exits;
 * - `WIRE <violation>` when it broke an MQTT wire rule (spec R226; the test fails on it).
 * Its wire is checked in the process itself, with the id history of a restored store unknown.
 * Payloads are `<run>:<seq>`, so order across runs is (run, seq).
 */
import { childArgs, say, waitForGo } from './childIo.js';
import { restartedClient } from './restartedClient.js';

interface Args {
  readonly port: number;
  readonly store: string;
  readonly clientId: string;
  readonly run: number;
  readonly drain: boolean;
}

const args = childArgs<Args>();

// Loaded and waiting until the parent has killed the previous process.
await waitForGo();

const { client, store } = restartedClient(
  { port: args.port, store: args.store, clientId: args.clientId, minDelayMs: 50, maxDelayMs: 200 },
  { keepAliveSec: 10 },
);
say(`OPEN ${client.session.queueLength}`);
client.onEvent((event) => {
  if (event.type === 'drop') say(`DROP ${event.topic} ${event.packetId}`);
});
client.connect();

/** Queued + in flight kept well below the queue limit, so nothing is ever dropped for overflow. */
const HIGH_WATER = 300;
let seq = 0;

function publishSome(): void {
  if (client.session.queueLength < HIGH_WATER) {
    for (const [topic, qos] of [
      ['crash/q1', 1],
      ['crash/q2', 2],
    ] as const) {
      const payload = `${args.run}:${seq}`;
      client.publishNow(topic, payload, qos, false);
      say(`P ${topic} ${payload}`);
    }
    seq++;
  }
  setTimeout(publishSome, 1);
}

if (args.drain) {
  const check = setInterval(() => {
    if (client.isConnected() && client.session.queueLength === 0 && !client.session.isReplaying) {
      clearInterval(check);
      say('DRAINED');
      void client.disconnect().then(() => {
        store.close();
        process.exit(0);
      });
    }
  }, 20);
} else {
  publishSome();
}
