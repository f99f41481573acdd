/**
 * One node of the aedes + Redis cluster of test/support/cluster.ts, run as its own process (so it
 * can be SIGKILLed): aedes 1.2.0 with its sessions, subscriptions and offline queues in Redis
 * (aedes-persistence-redis) and its routing between nodes through Redis (mqemitter-redis).
 *
 *   node [--import tsx] clusterNode.(ts|js) '{"id":"n0","port":1884,"redisPort":6390}'
 *
 * It prints, synchronously (a printed line is a fact even if a SIGKILL follows), what the cluster
 * needs to be judged by (spec R282): every MQTT packet of the QoS 1 and QoS 2 flows it reads
 * (`in`) and writes (`out`) per connection, and when Redis has stored a message for offline and
 * online subscribers (`stored`). Lines, space separated:
 *
 *   ready <port>
 *   conn <conn> <clientId> <clean 0|1>
 *   in|out <conn> publish <id> <qos> <dup 0|1> <payload>
 *   in|out <conn> puback|pubrec|pubrel|pubcomp <id>
 *   out <conn> connack <sessionPresent 0|1> <returnCode>
 *   stored <payload> <subscriber client ids, comma separated>   (queued for its subscribers)
 *   held <payload>                         (an incoming QoS 2 PUBLISH stored, awaiting PUBREL)
 *   error <clientId> <message>            (aedes closed a client's connection for it)
 *
 * Payloads are the test's own ASCII ids (`q1-17`); `<conn>` is `<node id>.<run>.<n>`. The node
 * exits when its stdin closes (its parent died), so no node outlives a test run.
 */
import { createRequire } from 'node:module';
import * as net from 'node:net';
import { Aedes } from 'aedes';
import * as mqttPacket from 'mqtt-packet';
import { listenWithRetry } from './brokers.js';
import { childArgs, say } from './childIo.js';

/** The node's argument (JSON in `argv[2]`). */
export interface ClusterNodeArgs {
  /** The broker id (aedes `id`), also the prefix of its connection names. */
  readonly id: string;
  /** Loopback port to listen on (the same across restarts). */
  readonly port: number;
  /** The shared redis-server's loopback port. */
  readonly redisPort: number;
  /** Restart count, part of the connection names so a restarted node's connections are told apart. */
  readonly run: number;
}

/**
 * The part of aedes-persistence-redis this script wraps: its default export, the callback layer
 * over the async persistence (aedes 1.2.0 wants Node streams from it, which that layer makes).
 */
interface RedisPersistence {
  outgoingEnqueueCombi(subs: readonly { clientId: string }[], packet: { payload: unknown }): Promise<void>;
  incomingStorePacket(client: unknown, packet: { payload: unknown }): Promise<void>;
}

const require = createRequire(import.meta.url);
const redisPersistence = require('aedes-persistence-redis') as (opts: {
  host: string;
  port: number;
}) => RedisPersistence;
const mqemitterRedis = require('mqemitter-redis') as (opts: { host: string; port: number }) => unknown;

const HOST = '127.0.0.1';
const args = childArgs<ClusterNodeArgs>();
const text = (payload: unknown): string =>
  Buffer.isBuffer(payload) ? payload.toString('latin1') : String(payload ?? '');

const persistence = redisPersistence({ host: HOST, port: args.redisPort });
const enqueue = persistence.outgoingEnqueueCombi.bind(persistence);
persistence.outgoingEnqueueCombi = async (subs, packet) => {
  await enqueue(subs, packet);
  say(`stored ${text(packet.payload)} ${subs.map((s) => s.clientId).join(',') || '-'}`);
};
const hold = persistence.incomingStorePacket.bind(persistence);
persistence.incomingStorePacket = async (client, packet) => {
  await hold(client, packet);
  say(`held ${text(packet.payload)}`);
};

/** One line per packet of interest; `side` is who wrote it (`in`: the client, `out`: this node). */
function logPacket(side: 'in' | 'out', conn: string, packet: mqttPacket.Packet): void {
  switch (packet.cmd) {
    case 'connect':
      say(`conn ${conn} ${packet.clientId} ${packet.clean ? 1 : 0}`);
      break;
    case 'connack':
      say(`${side} ${conn} connack ${packet.sessionPresent ? 1 : 0} ${packet.returnCode ?? 0}`);
      break;
    case 'publish':
      if (packet.qos > 0)
        say(
          `${side} ${conn} publish ${packet.messageId} ${packet.qos} ${packet.dup ? 1 : 0} ${text(packet.payload)}`,
        );
      break;
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
      say(`${side} ${conn} ${packet.cmd} ${packet.messageId}`);
      break;
    default:
  }
}

/** A parser that logs every complete packet of one direction of one connection. */
function tap(side: 'in' | 'out', conn: string): (chunk: Buffer) => void {
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  parser.on('packet', (packet) => logPacket(side, conn, packet));
  // A malformed stream is aedes's business; the log just stops for this connection.
  parser.on('error', () => {});
  return (chunk) => {
    parser.parse(Buffer.from(chunk));
  };
}

async function main(): Promise<void> {
  const broker = await Aedes.createBroker({
    id: args.id,
    persistence: persistence as never,
    mq: mqemitterRedis({ host: HOST, port: args.redisPort }) as never,
  });
  // A client-side error aedes closes a connection for (a failed Redis step among them) is evidence too.
  broker.on('clientError', (client, error) => say(`error ${client?.id ?? '-'} ${error.message}`));
  broker.on('connectionError', (client, error) => say(`error ${client?.id ?? '-'} ${error.message}`));
  let connections = 0;
  const server = net.createServer((socket) => {
    const conn = `${args.id}.${args.run}.${++connections}`;
    const read = tap('in', conn);
    const wrote = tap('out', conn);
    socket.on('data', read);
    const write = socket.write.bind(socket) as (...a: unknown[]) => boolean;
    socket.write = ((chunk: unknown, ...rest: unknown[]) => {
      wrote(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
      return write(chunk, ...rest);
    }) as typeof socket.write;
    broker.handle(socket);
  });
  await listenWithRetry(server, args.port);
  say(`ready ${args.port}`);
}

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
main().catch((error: unknown) => {
  say(`failed ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
