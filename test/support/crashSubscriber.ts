/**
 * The child process of the acknowledge-after-processing crash test
 * (test/integration/ackAfter.crash.test.ts): a subscriber on a file store with `clean: false` and
 * `session.handleMessage`, which the test SIGKILLs while it handles a steady stream and starts again.
 *
 * Argument: JSON `{ port, store, clientId, handleMs, run }`; its CONNECT carries the user name
 * `run-<run>`, so the test's wire tap knows which process each connection is (R358). It starts
 * on a line on stdin. It prints, with synchronous writes to fd 1 so a line printed is a fact the
 * parent can rely on:
 * - `SUBSCRIBED` once the broker granted both subscriptions;
 * - `S <topic> <payload> #<packet id>[ dup]` when its handler starts on a message, `D <topic> <payload>` when the
 *   handler is done with it (the client may acknowledge it from then on, spec R214);
 * - `W <trace line>` for every packet the client hands its transport (`W send PUBACK id=7`) and every
 *   lifecycle and transport step (`W connected to ...`, `W transport closed`): with `S` and `D` in
 *   one stream, a post-mortem tells an ack the client never wrote (held in receive order, or while
 *   disconnected, R214-R216) from one it wrote that never reached the wire (R218);
 * - `K <ms> <bytes> <left>` after every write to the socket itself: when (epoch ms, to 0.01), how
 *   many bytes, and how many of the socket's bytes the kernel had not yet taken (`writableLength`),
 *   so a post-mortem tells bytes held in the process from bytes the kernel had (R357).
 */
import { Socket } from 'node:net';
import { MqttClient } from '../../adapters/node.js';
import { openFileStore } from '../../adapters/stores/file.js';
import { childArgs, say, waitForGo } from './childIo.js';

interface Args {
  readonly port: number;
  readonly store: string;
  readonly clientId: string;
  readonly handleMs: number;
  /** Which process of the test this is. */
  readonly run: number;
}

const args = childArgs<Args>();

// The client's one socket (stdout is written with writeSync, stdin only read): every write to it.
const socketWrite = Socket.prototype.write as (this: Socket, ...rest: unknown[]) => boolean;
Socket.prototype.write = function (this: Socket, ...rest: unknown[]): boolean {
  const written = socketWrite.apply(this, rest);
  const chunk = rest[0] as { length?: number };
  say(
    `K ${(performance.timeOrigin + performance.now()).toFixed(2)} ${chunk.length ?? 0} ${this.writableLength}`,
  );
  return written;
} as typeof Socket.prototype.write;

// Loaded and waiting until the parent has killed the previous process.
await waitForGo();

const store = openFileStore(args.store);
const client = new MqttClient({
  servers: [
    {
      host: '127.0.0.1',
      port: args.port,
      clientId: args.clientId,
      username: `run-${args.run}`,
      clean: false,
      minDelayMs: 20,
      maxDelayMs: 100,
    },
  ],
  keepAliveSec: 10,
  // The client's own trace (R90), minus the received packets: what it wrote, and when it was connected.
  logger: (line) => {
    if (!line.startsWith('recv ')) say(`W ${line}`);
  },
  session: {
    store,
    // The application: a few ms of asynchronous work per message.
    handleMessage: async (message) => {
      const line = `${message.topic} ${Buffer.from(message.payload).toString()}`;
      say(`S ${line} #${message.packetId}${message.dup ? ' dup' : ''}`);
      await new Promise((resolve) => setTimeout(resolve, args.handleMs));
      say(`D ${line}`);
    },
  },
});
let granted = 0;
for (const [filter, qos] of [
  ['ack/q1', 1],
  ['ack/q2', 2],
] as const) {
  client.session.subscribe(filter, qos, (result) => {
    if ('granted' in result && ++granted === 2) say('SUBSCRIBED');
  });
}
// Lifecycle events, for the test's diagnostics.
client.onEvent((event) => {
  if (event.type !== 'message' && event.type !== 'resend.ignored') say(`E ${JSON.stringify(event)}`);
});
say('OPEN');
client.connect();
