/**
 * The evidence for spec R210-R213 on a real socket: a scripted broker does what aedes with shared
 * persistence does across a node kill. On the first connection it sends QoS 2 `m1` (and releases
 * it) and `m2`, and dies after the client's PUBREC for `m2`. On the resumed session it sends `m1`
 * again with the same id and DUP = 0 (after its PUBREL), never sends PUBREL for `m2` (its flow was
 * dropped between Redis steps), then sends a new `m3`. Our client (method B plus the guard) and
 * MQTT.js (method A: deliver on PUBREL) run the same script; `answerStale` says whether the broker
 * answers the PUBREC of the stale `m1` with a PUBREL again.
 */
import { connect as mqttJsConnect } from 'mqtt';
import type * as mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { connack, type FakeBroker } from '../support/fakeBroker.js';
import { server, useResources } from '../support/integration.js';

const { fakeBroker, makeClient, defer } = useResources();

const publish = (messageId: number, payload: string): mqtt.IPublishPacket => ({
  cmd: 'publish',
  topic: 'jobs',
  payload: Buffer.from(payload),
  qos: 2,
  dup: false,
  retain: false,
  messageId,
});

/** The aedes-like script; `answerStale`: answer the stale m1's PUBREC with PUBREL again. */
function aedesLike(answerStale: boolean) {
  return fakeBroker((connection, packet) => {
    if (packet.cmd === 'connect') {
      connection.send(connack(connection.index > 0));
      if (connection.index === 0) {
        connection.send(publish(7, 'm1'));
        connection.send(publish(8, 'm2'));
      } else {
        connection.send(publish(7, 'm1')); // the stale re-send: same id, DUP = 0
        connection.send(publish(9, 'm3'));
      }
      return;
    }
    if (packet.cmd !== 'pubrec') return;
    const id = packet.messageId;
    if (connection.index === 0 && id === 7) connection.send({ cmd: 'pubrel', messageId: 7 });
    if (connection.index === 0 && id === 8) connection.destroy(); // the node dies: no PUBREL 8, ever
    if (connection.index > 0 && (id === 9 || (id === 7 && answerStale)))
      connection.send({ cmd: 'pubrel', messageId: id });
  });
}

/** Resolves once the client's PUBCOMP for m3 (id 9) reached the broker. */
const m3Completed = (broker: FakeBroker) =>
  broker.nextPacket((p, c) => c.index > 0 && p.cmd === 'pubcomp' && p.messageId === 9, 10_000);

async function ours(answerStale: boolean): Promise<string[]> {
  const broker = await aedesLike(answerStale);
  const client = makeClient({ servers: [server(broker.port, { clean: false, clientId: 'guard' })] });
  const got: string[] = [];
  client.onMessage((m) => got.push(Buffer.from(m.payload).toString()));
  const done = m3Completed(broker);
  client.connect();
  await done;
  return got;
}

async function mqttJs(answerStale: boolean): Promise<string[]> {
  const broker = await aedesLike(answerStale);
  const client = mqttJsConnect(`mqtt://127.0.0.1:${broker.port}`, {
    clientId: 'guard',
    clean: false,
    reconnectPeriod: 20,
  });
  defer(() => new Promise<void>((resolve) => client.end(true, {}, () => resolve())));
  const got: string[] = [];
  client.on('message', (_topic, payload) => got.push(payload.toString()));
  await m3Completed(broker);
  // MQTT.js hands QoS 2 over on PUBREL, in the same turn as its PUBCOMP.
  await new Promise<void>((resolve) => setImmediate(resolve));
  return got;
}

describe('a broker that re-sends after PUBREL and drops a PUBREL (R210-R213)', () => {
  for (const answerStale of [false, true]) {
    const how = answerStale ? 'answers the stale PUBREC with PUBREL' : 'leaves the stale flow open';
    it(`R210/R211: ours delivers m1, m2, m3 once each when the broker ${how}`, async () => {
      expect(await ours(answerStale)).toEqual(['m1', 'm2', 'm3']);
    });
  }

  it('R210: MQTT.js (method A) never delivers m2, whose PUBREL was lost; it absorbs the stale m1 only while the broker leaves that flow open', async () => {
    expect(await mqttJs(false)).toEqual(['m1', 'm3']);
    expect(await mqttJs(true)).toEqual(['m1', 'm1', 'm3']);
  });
});
