/**
 * R63 on a real mosquitto, as a new user would hit it: an `onMessage` handler (and a topic
 * observer, and an RxJS subscriber) that throws on the first message of a QoS 1 subscription, then
 * five more QoS 1 messages. Every message is still delivered and acknowledged on the wire (a tap
 * shows the subscriber's PUBACKs), the connection stays up, and the throws are reported.
 */
import { config as rxjsConfig } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ListenerError } from '../../errors.js';
import { haveMosquitto } from '../support/brokers.js';
import { waitForClientEvent, waitForCount } from '../support/clientEvents.js';
import { connect, server, useResources } from '../support/integration.js';
import type { TappedPacket } from '../support/wireTap.js';

const { mosquitto, tap, makeClient } = useResources();

const previousRxjsHook = rxjsConfig.onUnhandledError;
afterEach(() => {
  rxjsConfig.onUnhandledError = previousRxjsHook;
});

describe.runIf(haveMosquitto)('user code that throws, against mosquitto (R63)', () => {
  it('a handler throwing on the first QoS 1 message: it and five more are all delivered and acknowledged, the connection stays up, the throw is reported', async () => {
    const broker = await mosquitto();
    const wire = await tap(broker.port);
    const reported: ListenerError[] = [];
    const sub = makeClient({
      servers: [server(wire.port, { clientId: 'throwing-sub' })],
      onListenerError: (error) => reported.push(error),
    });
    const rxjsReported: unknown[] = [];
    rxjsConfig.onUnhandledError = (error) => rxjsReported.push(error);

    const handled: string[] = [];
    const bug = new Error('application bug');
    sub.onMessage((message) => {
      handled.push(Buffer.from(message.payload).toString());
      if (handled.length === 1) throw bug;
    });
    const observed: string[] = [];
    sub.addTopicObserver('lt/#', 1, {
      next: (message) => {
        observed.push(message.topic);
        if (observed.length === 1) throw new Error('observer bug');
      },
      error: () => {},
    });
    const streamed: string[] = [];
    sub.subscribe('lt/+', { qos: 1 }).subscribe((message) => {
      streamed.push(message.topic);
      if (streamed.length === 1) throw new Error('rxjs subscriber bug');
    });
    const listenerErrors = waitForClientEvent(sub, 'listener.error', () => true, { count: 2 });
    const subacks = waitForClientEvent(sub, 'suback', () => true, { count: 2 });
    await connect(sub);
    await subacks;

    const pub = makeClient({ servers: [server(broker.port)] });
    await connect(pub);
    const all = waitForCount(sub, () => handled, 6);
    for (let i = 0; i < 6; i++) await pub.publish(`lt/${i}`, `m${i}`, { qos: 1 });
    await all;

    expect(handled).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
    expect(observed).toHaveLength(6);
    expect(streamed).toHaveLength(6);
    expect(sub.state).toBe('connected');
    // Each PUBLISH the subscriber got was acknowledged on the wire.
    const pubacks = (packets: readonly TappedPacket[]) =>
      packets.flatMap(({ packet }) => (packet.cmd === 'puback' ? [packet.messageId] : []));
    await wire.until((packets) => pubacks(packets).length >= 6, '6 PUBACKs');
    expect(new Set(pubacks(wire.packets)).size).toBe(6);

    expect((await listenerErrors).error.code).toBe('LISTENER_ERROR');
    expect(reported.map((e) => [e.listener, (e.cause as Error).message])).toEqual([
      ['topicObserver', 'observer bug'],
      ['message', 'application bug'],
    ]);
    expect(reported[1]?.cause).toBe(bug);
    // RxJS catches its own subscriber's throw and reports it through its hook, never into the client.
    expect(rxjsReported.map((e) => (e as Error).message)).toEqual(['rxjs subscriber bug']);
  });
});
