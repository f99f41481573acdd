/**
 * The soak's restartable client (side A): a process on a file store with `clean: false` that the
 * soak SIGKILLs and starts again ("client restart"). It publishes QoS 0, 1 and 2 at a steady rate
 * to `soak/a/<qos>` and subscribes to side B's `soak/b/+` at QoS 2 (kept in the store, so a
 * restarted process is re-subscribed without asking).
 *
 * Argument: JSON {@link PeerArgs}. Prints, with synchronous writes so a line is a fact:
 * - `P <topic> <payload>` once `publishNow` returned (QoS >= 1: durable in the store);
 * - `R <topic> <payload>` when a message is handed to it (before it is acknowledged);
 * - `M <rss> <heapUsed> <handles>` every second;
 * - `WIRE <violation>` when it broke an MQTT wire rule (spec R226);
 * - `DROP <topic> <id>` if the session dropped a message;
 * - `S` when a SUBACK arrived (the soak starts B's traffic once A is subscribed);
 * - `E <json>` for every client event, if asked to (the soak's trace).
 * Payloads are `<run>.<seq>`, unique across runs.
 */
import { childArgs, say } from '../../test/support/childIo.js';
import { restartedClient } from '../../test/support/restartedClient.js';

/** What the soak passes to a peer process. */
export interface PeerArgs {
  readonly port: number;
  readonly store: string;
  readonly run: number;
  /** Messages per second per QoS. */
  readonly rate: number;
  /** Print every client event as `E <json>` (the soak's trace). @default false */
  readonly trace?: boolean;
}

const args = childArgs<PeerArgs>();

const { client } = restartedClient(
  { port: args.port, store: args.store, clientId: 'soak-a', minDelayMs: 100, maxDelayMs: 1000 },
  {
    keepAliveSec: 2,
    pingTimeoutMs: 1000,
    connectTimeoutMs: 2000,
    jitter: 0.1,
    session: { maxQueueLength: 50_000 },
  },
);
client.onEvent((event) => {
  if (args.trace === true) say(`E ${JSON.stringify(event)}`);
  if (event.type === 'drop') say(`DROP ${event.topic} ${event.packetId}`);
  if (event.type === 'suback') say('S');
});
client.onMessage((message) => say(`R ${message.topic} ${new TextDecoder().decode(message.payload)}`));
if (client.session.subscriptions().length === 0) client.session.subscribe('soak/b/+', 2);
client.connect();

let seq = 0;
if (args.rate > 0)
  setInterval(() => {
    for (const qos of [0, 1, 2] as const) {
      const payload = `${args.run}.${seq}`;
      const topic = `soak/a/${qos}`;
      if (client.publishNow(topic, payload, qos, false).disposition !== 'dropped')
        say(`P ${topic} ${payload}`);
    }
    seq++;
  }, 1000 / args.rate);
setInterval(() => {
  const m = process.memoryUsage();
  say(`M ${m.rss} ${m.heapUsed} ${process.getActiveResourcesInfo().length}`);
}, 1000);
