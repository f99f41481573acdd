/**
 * The command-line tool's `-D` against mosquitto (spec R301, R302): pub sets MQTT 5 publish
 * properties, sub a Subscription Identifier, and sub's JSON lines show the properties received.
 * A retained message makes the order certain: the subscriber gets it when its SUBSCRIBE lands.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveMosquitto, type MosquittoHandle, startMosquitto } from '../support/brokers.js';
import { runCli } from '../support/cli.js';
import { useResources } from '../support/integration.js';

/** Each CLI client connects through a wire tap that checks its MQTT 5 wire (spec R225, R335-R337). */
const { tap } = useResources();

describe.runIf(haveMosquitto)('mqtt-lifeline -D against mosquitto', () => {
  let broker: MosquittoHandle;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('R301, R302: pub -D publish ... sets the properties; sub -D subscribe subscription-identifier shows them as JSON', async () => {
    const checking = await tap(broker.port);
    const url = `mqtt://127.0.0.1:${checking.port}`;
    const pub = await runCli([
      'pub',
      '-V',
      '5',
      '-L',
      url,
      '-t',
      'cli5/t',
      '-m',
      'hello',
      '-q',
      '1',
      '-r',
      '-D',
      'publish',
      'user-property',
      'who',
      'cli',
      '-D',
      'publish',
      'content-type',
      'text/plain',
      '-D',
      'publish',
      'correlation-data',
      'id-1',
    ]);
    expect(pub).toMatchObject({ code: 0, stderr: '' });
    const sub = await runCli([
      'sub',
      '-V',
      '5',
      '-L',
      url,
      '-t',
      'cli5/#',
      '-q',
      '1',
      '-C',
      '1',
      '-F',
      'json',
      '-D',
      'subscribe',
      'subscription-identifier',
      '9',
    ]);
    expect(sub.code).toBe(0);
    expect(JSON.parse(sub.stdout.trim())).toEqual({
      topic: 'cli5/t',
      qos: 1,
      retain: true,
      payload: 'hello',
      properties: {
        userProperties: [['who', 'cli']],
        contentType: 'text/plain',
        correlationData: Buffer.from('id-1').toString('base64'),
        subscriptionIdentifiers: [9],
      },
    });
    await runCli(['pub', '-V', '5', '-L', url, '-t', 'cli5/t', '-n', '-r']);
    // The tap saw the MQTT 5 packets it checks: both PUBLISHes and the SUBSCRIBE with its identifier.
    expect(checking.packets.filter(({ packet }) => packet.cmd === 'publish')).toHaveLength(2);
    expect(checking.packets.find(({ packet }) => packet.cmd === 'subscribe')?.packet).toMatchObject({
      properties: { subscriptionIdentifier: 9 },
    });
  });

  it('R301: -D without MQTT 5 is a usage error (exit 2), not a silent drop', async () => {
    const url = `mqtt://127.0.0.1:${broker.port}`;
    const pub = await runCli([
      'pub',
      '-L',
      url,
      '-t',
      'cli5/x',
      '-m',
      'x',
      '-D',
      'publish',
      'content-type',
      'a',
    ]);
    expect(pub.code).toBe(2);
    expect(pub.stderr).toMatch(/MQTT 5 only/);
  });
});
