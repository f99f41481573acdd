/**
 * The opt-in trace (spec R90-R93) over real sockets against aedes: every packet type a session
 * uses shows as a line with its type, id, flags and sizes, lifecycle decisions and protocol errors
 * too, and no payload, will message, user name or password ever does.
 */
import { firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { nodeDefaults } from '../../adapters/node.js';
import { withDefaults } from '../../runtime/options.js';
import { ofType } from '../../streams/events.js';
import { connect, server, useResources } from '../support/integration.js';

const { aedes, fakeBroker, makeClient } = useResources();

const SECRETS = [
  'the-password-9f2',
  'the-user-7c1',
  'PAYLOAD-QOS0',
  'PAYLOAD-QOS1',
  'PAYLOAD-QOS2',
  'WILL-BODY',
];

describe('the trace (logger option)', () => {
  it('R90, R91: traces CONNECT to DISCONNECT at every QoS with ids, flags and sizes, and never a payload, will, user name or password', async () => {
    const broker = await aedes({
      aedes: { authenticate: (_c, _u, password, done) => done(null, password?.toString() === SECRETS[0]) },
    });
    const lines: string[] = [];
    const client = makeClient({
      servers: [server(broker.port, { username: SECRETS[1], password: SECRETS[0], clientId: 'tracer' })],
      logger: (line) => lines.push(line),
    });
    await connect(client);
    const received = firstValueFrom(client.subscribe('tr/+', { qos: 2 }).pipe(take(3), toArray()));
    await firstValueFrom(client.events$.pipe(ofType('suback')));
    await client.publish('tr/0', SECRETS[2] as string, { qos: 0 });
    await client.publish('tr/1', SECRETS[3] as string, { qos: 1 });
    await client.publish('tr/2', SECRETS[4] as string, { qos: 2, retain: true });
    expect(await received).toHaveLength(3);
    await client.disconnect();

    const expected = [
      /^connecting to mqtt \(mqtt:\/\/127\.0\.0\.1:\d+\), attempt 1$/,
      /^transport open to 127\.0\.0\.1:\d+$/,
      /^send CONNECT clientId="tracer" keepAlive=0 clean=1 will=0 username=yes password=yes size=\d+$/,
      /^recv CONNACK rc=0 sessionPresent=0$/,
      /^connected to mqtt \(sessionPresent=0\)$/,
      /^send SUBSCRIBE id=\d+ size=\d+$/,
      /^recv SUBACK id=\d+ granted=2$/,
      /^send PUBLISH topic="tr\/0" id=0 qos=0 retain=0 dup=0 payload=12B size=20$/,
      /^send PUBLISH topic="tr\/1" id=\d+ qos=1 retain=0 dup=0 payload=12B size=22$/,
      /^recv PUBACK id=\d+$/,
      /^send PUBLISH topic="tr\/2" id=\d+ qos=2 retain=1 dup=0 payload=12B size=22$/,
      /^recv PUBREC id=\d+$/,
      /^send PUBREL id=\d+$/,
      /^recv PUBCOMP id=\d+$/,
      /^send DISCONNECT size=2$/,
      /^disconnected from mqtt: by the user$/,
      /^stopped: the user disconnected and nothing is pending$/,
    ];
    // In this order, with other lines (inbound QoS 1/2 acks, ready, closes) in between.
    let at = 0;
    for (const pattern of expected) {
      const found = lines.findIndex((line, i) => i >= at && pattern.test(line));
      expect({ pattern: String(pattern), found: found >= 0 }).toEqual({
        pattern: String(pattern),
        found: true,
      });
      at = found + 1;
    }
    // Inbound, interleaved with the above as the broker forwards them.
    expect(lines).toContain('recv PUBLISH topic="tr/0" id=0 qos=0 retain=0 dup=0 payload=12B');
    expect(lines).toContainEqual(
      expect.stringMatching(/^recv PUBLISH topic="tr\/2" id=\d+ qos=2 retain=0 dup=0 payload=12B$/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^send PUBCOMP id=\d+$/));
    const all = lines.join('\n');
    for (const secret of SECRETS) expect(all).not.toContain(secret);
  });

  it('R90: a will is traced as will=1 without its topic or message; a protocol error is traced with its reason', async () => {
    const broker = await fakeBroker((connection, packet) => {
      // A CONNACK, then a second CONNACK: a protocol error the client must close on.
      if (packet.cmd === 'connect') {
        connection.send({ cmd: 'connack', returnCode: 0, sessionPresent: false });
        connection.send({ cmd: 'connack', returnCode: 0, sessionPresent: false });
      }
    });
    const lines: string[] = [];
    const client = makeClient({
      servers: [
        server(broker.port, { will: { topic: 'will/secret-topic', payload: SECRETS[5] as string, qos: 1 } }),
      ],
      logger: (line) => lines.push(line),
    });
    const closed = firstValueFrom(client.events$.pipe(ofType('protocol.error')));
    client.connect();
    await closed;
    expect(lines).toContainEqual(
      expect.stringMatching(/^send CONNECT .* will=1 username=no password=no size=\d+$/),
    );
    expect(lines).toContain('protocol error, closing: PROTOCOL_ERROR: unexpected CONNACK');
    expect(lines.join('\n')).not.toContain(SECRETS[5]);
    expect(lines.join('\n')).not.toContain('secret-topic');
  });

  it('R90: a logger that throws changes nothing: the client connects and publishes, and the throw is reported as a logger listener error', async () => {
    const broker = await aedes();
    const reported: string[] = [];
    const client = makeClient({
      servers: [server(broker.port)],
      logger: () => {
        throw new Error('logger broke');
      },
      onListenerError: (error) => reported.push(`${error.listener}: ${error.message}`),
    });
    await connect(client);
    await client.publish('t', 'x', { qos: 1 });
    expect(reported.length).toBeGreaterThan(3);
    expect(new Set(reported)).toEqual(
      new Set(['logger: a logger callback threw (the client went on): Error: logger broke']),
    );
  });

  it('R92, R93: without a logger nothing is wrapped: the servers keep their own transport, and Node’s default logger is off unless NODE_DEBUG names mqtt-lifeline', () => {
    expect(process.env.NODE_DEBUG ?? '').not.toMatch(/mqtt-lifeline/i);
    expect(nodeDefaults.logger).toBeUndefined();
    const options = { servers: [{ host: 'h' }] };
    expect(withDefaults(options, nodeDefaults)).toMatchObject({
      logger: undefined,
      transport: nodeDefaults.transport,
    });
    const mine = () => {};
    expect(withDefaults({ ...options, logger: mine }, nodeDefaults).logger).toBe(mine);
  });
});
