/**
 * MQTT 5 acknowledgements with failure reason codes against a scripted broker (spec R244): a
 * PUBACK or PUBREC 0x80 and above rejects that publish with a `PublishRefusedError` naming the
 * code, never success; a refused QoS 2 flow ends without PUBREL; the id and window slot are free.
 * A SUBACK's or an UNSUBACK's code reaches the caller (spec R245).
 */
import type * as mqtt from 'mqtt-packet';
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, PublishRefusedError, SubscribeError, UnsubscribeError } from '../../errors.js';
import { connect, server, useResources } from '../support/integration.js';

const { fakeBroker: fake, makeClient } = useResources();

/** Settles with what a publish ended with. */
const outcome = (promise: Promise<void>): Promise<unknown> =>
  promise.then(
    () => 'delivered',
    (error: unknown) => error,
  );

describe('MQTT 5 acknowledgements with reason codes (R244)', () => {
  it('R244: PUBACK 0x87 and PUBREC 0x97 reject their publishes with a PublishRefusedError naming the code; the others complete', async () => {
    const broker = await fake((c, p) => {
      if (p.cmd === 'connect')
        c.send({ cmd: 'connack', reasonCode: 0, sessionPresent: false } as mqtt.IConnackPacket);
      if (p.cmd === 'publish') {
        const refuse = p.topic.endsWith('/no');
        const id = p.messageId ?? 0;
        if (p.qos === 1) c.send({ cmd: 'puback', messageId: id, reasonCode: refuse ? 0x87 : 0 });
        else c.send({ cmd: 'pubrec', messageId: id, reasonCode: refuse ? 0x97 : 0 });
      }
      if (p.cmd === 'pubrel') c.send({ cmd: 'pubcomp', messageId: p.messageId });
    });
    const client = makeClient({ servers: [server(broker.port)], protocolVersion: 5 });
    await connect(client);
    const drops: string[] = [];
    client.onEvent((e) => e.type === 'drop' && drops.push(`${e.reason}:${e.topic}`));
    const [q1no, q1ok, q2no, q2ok] = await Promise.all([
      outcome(client.publish('acks/no', 'x', { qos: 1 })),
      outcome(client.publish('acks/ok', 'x', { qos: 1 })),
      outcome(client.publish('acks2/no', 'x', { qos: 2 })),
      outcome(client.publish('acks2/ok', 'x', { qos: 2 })),
    ]);
    expect(q1no).toBeInstanceOf(PublishRefusedError);
    expect(q1no).toMatchObject({
      code: 'PUBLISH_REFUSED',
      reasonCode: 0x87,
      message: 'the broker refused the publish to "acks/no": PUBACK Not authorized (reason code 0x87)',
    });
    expect(q2no).toMatchObject({
      code: 'PUBLISH_REFUSED',
      reasonCode: 0x97,
      message: expect.stringMatching(/PUBREC Quota exceeded \(reason code 0x97\)/),
    });
    expect([q1ok, q2ok]).toEqual(['delivered', 'delivered']);
    expect(drops).toEqual(['refused:acks/no', 'refused:acks2/no']);
    // The refused QoS 2 flow ended at PUBREC: one PUBREL only, for the accepted message.
    const pubrels = broker.connections[0]?.packets.filter((p) => p.cmd === 'pubrel') ?? [];
    expect(pubrels).toHaveLength(1);
    expect(client.session.windowCount).toBe(0);
  });

  it('R245: a SUBACK refusal 0x87 reaches the subscriber as a SubscribeError naming the code, and the suback event carries it', async () => {
    const broker = await fake((c, p) => {
      if (p.cmd === 'connect')
        c.send({ cmd: 'connack', reasonCode: 0, sessionPresent: false } as mqtt.IConnackPacket);
      if (p.cmd === 'subscribe') c.send({ cmd: 'suback', messageId: p.messageId, granted: [0x87] });
    });
    const client = makeClient({ servers: [server(broker.port)], protocolVersion: 5 });
    await connect(client);
    const events: unknown[] = [];
    client.onEvent((e) => e.type === 'suback' && events.push(e));
    const error = await firstValueFrom(client.subscribe('secret/#', { qos: 1 })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SubscribeError);
    expect(error).toMatchObject({
      filter: 'secret/#',
      reasonCode: 0x87,
      message: 'the broker refused the subscription to "secret/#": Not authorized (reason code 0x87)',
    });
    expect(events).toEqual([
      expect.objectContaining({ filter: 'secret/#', granted: null, reasonCode: 0x87 }),
    ]);
  });

  it('R245: UNSUBACK codes reach the caller: 0x87 rejects unsubscribeAsync with an UnsubscribeError naming it, 0x11 resolves and the event carries it', async () => {
    const broker = await fake((c, p) => {
      if (p.cmd === 'connect')
        c.send({ cmd: 'connack', reasonCode: 0, sessionPresent: false } as mqtt.IConnackPacket);
      if (p.cmd === 'subscribe')
        c.send({ cmd: 'suback', messageId: p.messageId, granted: p.subscriptions.map(() => 1) });
      if (p.cmd === 'unsubscribe') {
        const code = p.unsubscriptions[0] === 'locked/#' ? 0x87 : 0x11;
        c.send({
          cmd: 'unsuback',
          messageId: p.messageId,
          granted: [code],
        } as unknown as mqtt.IUnsubackPacket);
      }
    });
    const client = makeClient({ servers: [server(broker.port)], protocolVersion: 5 });
    await connect(client);
    const events: unknown[] = [];
    client.onEvent((e) => e.type === 'unsuback' && events.push(e));
    await client.subscribeAsync(['locked/#', 'gone/#'], { qos: 1 });
    const refused = await client.unsubscribeAsync('locked/#').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(UnsubscribeError);
    expect(refused).toMatchObject({
      code: 'UNSUBSCRIBE_FAILED',
      filter: 'locked/#',
      reasonCode: 0x87,
      message: 'the broker refused to unsubscribe "locked/#": Not authorized (reason code 0x87)',
    });
    await expect(client.unsubscribeAsync('gone/#')).resolves.toBeUndefined();
    expect(events).toEqual([
      expect.objectContaining({ filter: 'locked/#', reasonCode: 0x87, reason: 'Not authorized' }),
      expect.objectContaining({ filter: 'gone/#', reasonCode: 0x11, reason: 'No subscription existed' }),
    ]);
  });
});

describe("the client's DISCONNECT asks for its will (R239)", () => {
  it('R239: disconnect({ sendWill: true }) sends DISCONNECT 0x04 to an MQTT 5 broker, a plain disconnect 0x00; with no MQTT 5 server it rejects and the client goes on', async () => {
    const codes: number[] = [];
    const broker = await fake((c, p) => {
      if (p.cmd === 'connect')
        c.send({ cmd: 'connack', reasonCode: 0, sessionPresent: false } as mqtt.IConnackPacket);
      if (p.cmd === 'disconnect') codes.push(p.reasonCode ?? 0);
    });
    const client = makeClient({ servers: [server(broker.port)], protocolVersion: 5 });
    await connect(client);
    await client.disconnect({ sendWill: true });
    await connect(client);
    await client.disconnect();
    await expect.poll(() => codes).toEqual([0x04, 0x00]);

    const v4 = await fake((c, p) => {
      if (p.cmd === 'connect') c.send({ cmd: 'connack', returnCode: 0, sessionPresent: false });
    });
    const old = makeClient({ servers: [server(v4.port)] });
    await connect(old);
    await expect(old.disconnect({ sendWill: true })).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(old.isConnected()).toBe(true);
  });
});
